import { describe, expect, it } from 'vitest';
import { END_OF_DAY_OFFSET, parseIsoTime } from '../../core/time.js';
import { TIME_INVALID, TIME_OK, TIME_UNPARSEABLE, TimestampParser, guessTimeFormat, type TimeFormat } from './timestamp.js';
import { Zone, parseFixedOffset } from './timezone.js';

function parse(text: string, format: TimeFormat = 'iso', zone = 'UTC'): number {
  const p = new TimestampParser(format, Zone.parse(zone)!);
  const b = Buffer.from(text, 'latin1');
  return p.parse(b, 0, b.length);
}

function errorOf(text: string, format: TimeFormat = 'iso'): number {
  const p = new TimestampParser(format);
  const b = Buffer.from(text, 'latin1');
  p.parse(b, 0, b.length);
  return p.error;
}

const at = (iso: string): number => parseIsoTime(iso)!;

describe('TimestampParser', () => {
  it.each([
    ['2020-01-02T03:04:05Z', '2020-01-02T03:04:05Z'],
    ['2020-01-02 03:04:05', '2020-01-02T03:04:05Z'],
    ['2020-01-02T03:04', '2020-01-02T03:04:00Z'],
    ['2021-12-31 23:01:00.000000', '2021-12-31T23:01:00Z'],
    ['2015-09-23T20:57:42.146', '2015-09-23T20:57:42.146Z'],
    ['2013-01-01 22:00:00.295000+00:00', '2013-01-01T22:00:00.295Z'],
    ['2020-01-02T03:04:05.123456789Z', '2020-01-02T03:04:05.123456Z'],
    ['2020-01-02T03:04:05-05:00', '2020-01-02T08:04:05Z'],
    ['2020-01-02T03:04:05+0530', '2020-01-01T21:34:05Z'],
    ['2020-01-02T03:04:05+01', '2020-01-02T02:04:05Z'],
    ['  2020-01-02T03:04:05Z ', '2020-01-02T03:04:05Z'],
  ])('iso %s', (text, expected) => {
    expect(parse(text)).toBe(at(expected));
  });

  it('a date alone is the end of that UTC day, whatever the zone', () => {
    expect(parse('1995-01-03')).toBe(at('1995-01-03') + END_OF_DAY_OFFSET);
    expect(parse('1995-01-03', 'iso', 'America/New_York')).toBe(at('1995-01-03') + END_OF_DAY_OFFSET);
    expect(parse('19950103', 'compact')).toBe(at('1995-01-03') + END_OF_DAY_OFFSET);
  });

  it('compact YYYYMMDD HHMMSSfff', () => {
    expect(parse('20200101 170000065', 'compact')).toBe(at('2020-01-01T17:00:00.065Z'));
    expect(parse('20200101 170000065', 'compact', 'EST')).toBe(at('2020-01-01T22:00:00.065Z'));
    expect(parse('20200101 170000', 'compact')).toBe(at('2020-01-01T17:00:00Z'));
    expect(parse('20200101T170000.5', 'compact')).toBe(at('2020-01-01T17:00:00.5Z'));
  });

  it('epoch units', () => {
    expect(parse('1583020803', 'epoch_s')).toBe(1583020803_000000);
    expect(parse('1583020803.145', 'epoch_s')).toBe(1583020803_145000);
    expect(parse('1583020803145', 'epoch_ms')).toBe(1583020803_145000);
    expect(parse('1583020803145.5', 'epoch_ms')).toBe(1583020803_145500);
    expect(parse('1583020803145000', 'epoch_us')).toBe(1583020803_145000);
    expect(parse('1583020803145000999', 'epoch_ns')).toBe(1583020803_145000);
  });

  it('separate date and time-of-day fields', () => {
    const p = new TimestampParser('iso');
    const b = Buffer.from('2006-01-02,09:01:00|20060102,090100');
    expect(p.parseSplit(b, 0, 10, 11, 19)).toBe(at('2006-01-02T09:01:00Z'));
    expect(p.parseSplit(b, 20, 28, 29, 35)).toBe(at('2006-01-02T09:01:00Z'));
  });

  it('timezones: fixed offsets, EST without daylight saving, IANA with it', () => {
    expect(parse('2020-07-01 09:30:00', 'iso', '-05:00')).toBe(at('2020-07-01T14:30:00Z'));
    expect(parse('2020-07-01 09:30:00', 'iso', 'EST')).toBe(at('2020-07-01T14:30:00Z'));
    expect(parse('2020-07-01 09:30:00', 'iso', 'America/New_York')).toBe(at('2020-07-01T13:30:00Z'));
    expect(parse('2020-01-02 09:30:00', 'iso', 'America/New_York')).toBe(at('2020-01-02T14:30:00Z'));
    expect(parse('2020-07-01 09:30:00', 'iso', 'Europe/London')).toBe(at('2020-07-01T08:30:00Z'));
    expect(parse('2020-07-01 09:30:00Z', 'iso', 'America/New_York')).toBe(at('2020-07-01T09:30:00Z'));
  });

  it('an IANA zone keeps working across a daylight-saving change within one parser', () => {
    const p = new TimestampParser('iso', Zone.parse('America/New_York')!);
    const read = (t: string): number => {
      const b = Buffer.from(t);
      return p.parse(b, 0, b.length);
    };
    expect(read('2020-03-08 01:59:00')).toBe(at('2020-03-08T06:59:00Z'));
    expect(read('2020-03-08 03:00:00')).toBe(at('2020-03-08T07:00:00Z'));
    expect(read('2020-03-08 03:30:00')).toBe(at('2020-03-08T07:30:00Z'));
    expect(read('2020-11-01 03:00:00')).toBe(at('2020-11-01T08:00:00Z'));
  });

  it.each([
    ['2019-02-30', TIME_INVALID],
    ['2019-13-01T00:00:00Z', TIME_INVALID],
    ['2020-01-01T25:00:00Z', TIME_INVALID],
    ['2020-01-01T23:60:00Z', TIME_INVALID],
    ['2020-01-01T23:00:61Z', TIME_INVALID],
    ['2020-02-29T00:00:00Z', TIME_OK],
    ['2020-01-01X00:00:00Z', TIME_UNPARSEABLE],
    ['2020-1-01', TIME_UNPARSEABLE],
    ['yesterday', TIME_UNPARSEABLE],
    ['2020-01-01T00:00:00+', TIME_UNPARSEABLE],
    ['2020-01-01T00:00:00.', TIME_UNPARSEABLE],
    ['2020-01-01T00:00:00.1234567890', TIME_UNPARSEABLE],
  ])('%s -> error %i', (text, error) => {
    expect(errorOf(text)).toBe(error);
  });

  it('rejects junk in epoch and compact fields', () => {
    expect(errorOf('12a4', 'epoch_ms')).toBe(TIME_UNPARSEABLE);
    expect(errorOf('', 'epoch_s')).toBe(TIME_UNPARSEABLE);
    expect(errorOf('20200230 120000', 'compact')).toBe(TIME_INVALID);
    expect(errorOf('2020-01-01', 'compact')).toBe(TIME_UNPARSEABLE);
  });
});

describe('guessTimeFormat', () => {
  it.each([
    ['2020-01-02', 'iso'],
    ['2021-12-31 23:01:00.000000', 'iso'],
    ['2012-02-01 00:00:00+00:00', 'iso'],
    ['20200101 170000065', 'compact'],
    ['20200101', 'compact'],
    ['1583020803', 'epoch_s'],
    ['1583020803.5', 'epoch_s'],
    ['1667346579146', 'epoch_ms'],
    ['1583020803145000', 'epoch_us'],
    ['1583020803145000000', 'epoch_ns'],
    ['Date', undefined],
    ['hello', undefined],
  ])('%s -> %s', (text, format) => {
    expect(guessTimeFormat(text)).toBe(format);
  });
});

describe('Zone', () => {
  it('knows UTC, offsets, EST and IANA names, and refuses others', () => {
    expect(Zone.parse('UTC')?.isUtc).toBe(true);
    expect(Zone.parse('EST')?.toUtc(0)).toBe(5 * 3600e6);
    expect(parseFixedOffset('+05:30')).toBe(5.5 * 3600e6);
    expect(parseFixedOffset('-0500')).toBe(-5 * 3600e6);
    expect(Zone.parse('Asia/Tokyo')?.toUtc(9 * 3600e6)).toBe(0);
    expect(Zone.parse('Mars/Olympus')).toBeUndefined();
    expect(Zone.parse('+25:00')).toBeUndefined();
  });
});
