import { InputError } from '../../src/toolkit/errors';
import {
  formatDuration,
  parseAwsRegion,
  parseBoolean,
  parseDuration,
  parseEnum,
  parseHttpUrl,
  parseInteger,
  parseList,
  parseLines,
  parseNumber,
  rawValue,
} from '../../src/toolkit/inputs';

const specs = { image: { required: true }, timeout: { default: '5m' }, tags: {} } as const;

describe('rawValue', () => {
  it('applies the declared default and trims', () => {
    expect(rawValue(specs, { timeout: '  ' }, 'timeout')).toBe('5m');
    expect(rawValue(specs, { image: '  reg/app  ' }, 'image')).toBe('reg/app');
    expect(rawValue(specs, {}, 'tags')).toBe('');
  });
  it('names a missing required input and how to fix it', () => {
    expect(() => rawValue(specs, { image: ' ' }, 'image')).toThrow("Input 'image': is required but was empty. Set 'image' in the step's 'with:'");
  });
});

describe('small parsers', () => {
  it('reads booleans the way YAML writers do and refuses anything else', () => {
    expect([parseBoolean('x', 'true'), parseBoolean('x', 'False'), parseBoolean('x', '')]).toEqual([true, false, false]);
    expect(() => parseBoolean('push', 'maybe')).toThrow("Input 'push': 'maybe' is not a boolean. Use true or false");
  });
  it('turns strings into enums, listing the accepted values', () => {
    expect(parseEnum('strategy', 'Canary', ['rolling', 'canary'] as const)).toBe('canary');
    expect(() => parseEnum('strategy', 'linear', ['rolling', 'canary'] as const)).toThrow(/'linear' is not one of rolling, canary/);
  });
  it('splits lists on commas and newlines, dropping blanks and comments', () => {
    expect(parseList('a, b\n\n# note\nc,')).toEqual(['a', 'b', 'c']);
    expect(parseLines('k=v,w\n  x=y  \n')).toEqual(['k=v,w', 'x=y']);
  });
  it('checks numbers and their ranges', () => {
    expect(parseInteger('count', '12', { min: 1 })).toBe(12);
    expect(() => parseInteger('count', '1.5')).toThrow(InputError);
    expect(() => parseInteger('count', '0', { min: 1 })).toThrow("Input 'count': 0 is below the minimum 1. Give a value of at least 1");
    expect(parseNumber('confidence', '0.95', { max: 1 })).toBe(0.95);
    expect(() => parseNumber('confidence', 'NaN')).toThrow(/is not a number/);
  });
  it('reads Go-style durations and writes them back', () => {
    expect(parseDuration('timeout', '1h30m')).toBe(5_400_000);
    expect(parseDuration('interval', '250ms')).toBe(250);
    expect(parseDuration('interval', '90')).toBe(90_000);
    expect(parseDuration('interval', '1.5s')).toBe(1500);
    expect(() => parseDuration('interval', '5 minutes')).toThrow("Input 'interval': '5 minutes' is not a duration. Write it like 30s, 5m, 1h30m or 250ms");
    expect(() => parseDuration('interval', '-5s')).toThrow(InputError);
    expect([formatDuration(300_000), formatDuration(7_200_000), formatDuration(1500), formatDuration(45_000)]).toEqual(['5m', '2h', '1500ms', '45s']);
  });
  it('accepts only http(s) URLs', () => {
    expect(parseHttpUrl('prometheus-url', 'http://127.0.0.1:9090').port).toBe('9090');
    expect(() => parseHttpUrl('prometheus-url', 'file:///etc/passwd')).toThrow(/is not an http\(s\) URL/);
    expect(() => parseHttpUrl('prometheus-url', 'not a url')).toThrow(/is not a URL/);
  });
  it('reads AWS region codes, empty meaning none', () => {
    expect([parseAwsRegion('aws-region', 'eu-west-1'), parseAwsRegion('aws-region', 'us-gov-west-1'), parseAwsRegion('aws-region', '')]).toEqual([
      'eu-west-1',
      'us-gov-west-1',
      undefined,
    ]);
    expect(() => parseAwsRegion('aws-region', 'Europe')).toThrow("Input 'aws-region': 'Europe' is not an AWS region. Give a region code such as eu-west-1");
  });
});
