/**
 * The `cloudwatch-alarms` input: alarm names, comma or newline separated, or `prefix:NAME` for
 * every alarm (metric or composite) whose name starts with NAME (DescribeAlarms' AlarmNamePrefix).
 */
import { InputError } from '../../toolkit/errors';
import { parseList } from '../../toolkit/inputs';

export type AlarmSelector = { kind: 'name'; name: string } | { kind: 'prefix'; prefix: string };

/** CloudWatch's limit on an alarm name (PutMetricAlarm AlarmName: 1-255 characters). */
const MAX_NAME = 255;

export function parseAlarmSelectors(value: string): AlarmSelector[] {
  const seen = new Set<string>();
  const out: AlarmSelector[] = [];
  for (const item of parseList(value)) {
    const isPrefix = /^prefix:/i.test(item);
    const text = isPrefix ? item.slice('prefix:'.length).trim() : item;
    if (text === '')
      throw new InputError(
        'cloudwatch-alarms',
        `'${item}' has an empty prefix, which would match every alarm in the region`,
        'Write prefix:NAME with the start of the alarm names, e.g. prefix:shop-prod-',
      );
    if (text.length > MAX_NAME)
      throw new InputError('cloudwatch-alarms', `'${text.slice(0, 40)}…' is longer than ${MAX_NAME} characters`, 'Give alarm names as CloudWatch shows them');
    const key = `${isPrefix ? 'p' : 'n'}:${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(isPrefix ? { kind: 'prefix', prefix: text } : { kind: 'name', name: text });
  }
  return out;
}

/** How the selector reads in logs and the summary. */
export function describeSelector(s: AlarmSelector): string {
  return s.kind === 'name' ? s.name : `prefix:${s.prefix}`;
}
