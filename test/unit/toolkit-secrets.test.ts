import {
  base64Fragments,
  basicAuthorization,
  bearerAuthorization,
  derivedForms,
  maskHeaderValue,
  maskSecret,
  scrubServiceText,
  withoutUserinfo,
} from '../../src/toolkit/secrets';
import { MemoryReporter } from '../../src/toolkit/reporter';

describe('derived forms of a credential', () => {
  it('finds the secret inside any base64 text that embeds it, at every byte alignment', () => {
    const secret = 's3cr3t-pässword';
    for (const prefix of ['', 'a', 'ab', 'abc', 'user:']) {
      const encoded = Buffer.from(`${prefix}${secret}!tail`).toString('base64');
      expect({ prefix, found: base64Fragments(secret).some((f) => encoded.includes(f)) }).toEqual({ prefix, found: true });
    }
  });

  it('covers percent-encoded, form-encoded and JSON-escaped forms', () => {
    const forms = derivedForms('p@ss w/"q"');
    expect(forms).toEqual(expect.arrayContaining(['p@ss w/"q"', 'p%40ss%20w%2F%22q%22', 'p%40ss+w%2F%22q%22', 'p@ss w/\\"q\\"']));
    expect(derivedForms('')).toEqual([]);
  });

  it('masks every form in what a reporter prints', () => {
    const r = new MemoryReporter();
    maskSecret(r, 'hunter2hunter2');
    r.info(`raw hunter2hunter2 b64 ${Buffer.from('x:hunter2hunter2').toString('base64')} url ${encodeURIComponent('hunter2hunter2')}`);
    expect(r.log).not.toMatch(/hunter2/);
    expect(r.log).not.toContain(Buffer.from('x:hunter2hunter2').toString('base64'));
  });
});

describe('basicAuthorization', () => {
  it('builds the RFC 7617 header and masks the header, the pair and the password before returning', () => {
    const r = new MemoryReporter();
    const header = basicAuthorization(r, 'alice', 'open sesame');
    expect(header).toBe(`Basic ${Buffer.from('alice:open sesame').toString('base64')}`);
    r.info(`sent ${header}`);
    expect(r.log).toBe('sent ***');
    expect(r.secrets).toEqual(expect.arrayContaining(['open sesame', 'alice:open sesame', header]));
  });
});

describe('scrubServiceText', () => {
  it('drops credential header lines and inline values, and masks known secrets', () => {
    const body = [
      'bad_data: invalid parameter "query"',
      'Authorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=',
      'Cookie: session=abc123',
      '{"headers":{"Authorization":"Bearer abcdefgh123","Accept":"*/*"},"token":"tok-999999"}',
      'echo open%20sesame',
    ].join('\n');
    const out = scrubServiceText(body, ['open sesame', 'tok-999999']);
    expect(out).toContain('bad_data: invalid parameter "query"');
    expect(out).not.toMatch(/YWxpY2U6|session=abc123|abcdefgh123|tok-999999|open%20sesame/);
    expect(out).toContain('"Accept":"*/*"');
  });
});

describe('more derived forms', () => {
  it('finds URL-safe base64 at every alignment, lower-case percent escapes and URL userinfo escaping', () => {
    const secret = 'ab?>~>?x/+y'; // bytes whose base64 holds + and /
    for (const prefix of ['', 'a', 'ab']) {
      const encoded = Buffer.from(`${prefix}${secret}`).toString('base64url');
      expect({ prefix, found: derivedForms(secret).some((f) => f.length >= 6 && encoded.includes(f)) }).toEqual({ prefix, found: true });
    }
    const forms = derivedForms('p@ss/wörd');
    expect(forms).toEqual(expect.arrayContaining(['p%40ss%2fw%c3%b6rd']));
    const u = new URL('https://host/');
    u.username = 'me';
    u.password = 'p@ss wörd;x';
    expect(derivedForms('p@ss wörd;x')).toContain(u.password);
  });
});

it('masks each line of a multi-line secret (the runner masks line by line)', () => {
  const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
  expect(derivedForms(key)).toEqual(expect.arrayContaining(['MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', '-----BEGIN PRIVATE KEY-----']));
  expect(derivedForms('abc')).toEqual(['abc']); // its base64 YWJj is too short to mask without blanking out ordinary text
});

describe('bearerAuthorization and maskHeaderValue', () => {
  it('masks the token, its forms and the header', () => {
    const r = new MemoryReporter();
    expect(bearerAuthorization(r, 'tok_1234567890')).toBe('Bearer tok_1234567890');
    r.info(`a Bearer tok_1234567890 b ${encodeURIComponent('tok_1234567890')} c ${Buffer.from('tok_1234567890').toString('base64')}`);
    expect(r.log).not.toMatch(/tok_1234567890|dG9rXzEy/);
  });

  it('masks a Basic header a user wrote whole, and the user:password and password inside it', () => {
    const r = new MemoryReporter();
    const b64 = Buffer.from('ops:correct horse').toString('base64');
    maskHeaderValue(r, `Basic ${b64}`);
    r.info(`1 ${b64} 2 ops:correct horse 3 correct%20horse 4 Basic ${b64}`);
    expect(r.log).toBe('1 *** 2 *** 3 *** 4 ***');
  });

  it('masks a plain header value as one secret', () => {
    const r = new MemoryReporter();
    maskHeaderValue(r, 'k-0123456789');
    r.info('key k-0123456789');
    expect(r.log).toBe('key ***');
  });
});

describe('scrubServiceText rules', () => {
  it.each([
    ['a Prometheus body quoting the request headers', 'bad_data\nAuthorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=\nAccept: */*', 'bad_data\nAccept: */*'],
    ['a header quoted inline', 'got headers map[Authorization:[Basic YWxpY2U6b3Bl] Accept:[*/*]]', 'got headers map[Authorization:*** Accept:[*/*]]'],
    ['JSON credential fields', '{"password":"pw1","refresh_token":"rt-1","user":"u"}', '{"password":***,"refresh_token":***,"user":"u"}'],
    ['JSON inside a JSON string', '{"error":"{\\"authorization\\": \\"Bearer zzz\\"}"}', '{"error":"{\\"authorization\\": ***}"}'],
    ['a form body', 'grant_type=refresh_token&refresh_token=rt-abc&client_id=shipline', 'grant_type=refresh_token&refresh_token=***&client_id=shipline'],
    ['URL userinfo', 'cannot GET https://bob:pw@mirror.example/x', 'cannot GET https://***@mirror.example/x'],
    [
      'a presigned S3 URL',
      'redirect to https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abcd',
      'redirect to https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***',
    ],
    ['a bare bearer credential', 'sent Bearer eyJhbGciOiJIUzI1NiJ9.e30.x', 'sent Bearer ***'],
  ])('%s', (_name, body, expected) => {
    expect(scrubServiceText(body)).toBe(expected);
  });

  it('leaves ordinary error text alone', () => {
    const text =
      'MANIFEST_UNKNOWN: manifest unknown; map[Tag:v1]; token server https://auth.example answered 500; Basic authentication required; WWW-Authenticate: Bearer realm="https://auth.example/token"';
    expect(scrubServiceText(text)).toBe(text);
  });
});

describe('withoutUserinfo', () => {
  it('drops user:password@ from URLs in a message', () => {
    expect(withoutUserinfo("'ftp://u:p@h/x' is not an http(s) URL")).toBe("'ftp://***@h/x' is not an http(s) URL");
    expect(withoutUserinfo('https://u:p@ss@h/x?a=b@c')).toBe('https://***@h/x?a=b@c');
  });
});
