import { base64Fragments, basicAuthorization, derivedForms, maskSecret, scrubServiceText } from '../../src/toolkit/secrets';
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
