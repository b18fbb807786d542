import { describe, expect, it } from 'vitest';
import { causeLabel, errorMessage, formatDuration, isLocale, missingKeys, translate } from './i18n';

describe('i18n', () => {
  it('has every key in every language', () => {
    expect(missingKeys()).toEqual([]);
  });

  it('fills parameters and leaves unknown ones visible', () => {
    expect(translate('en', 'board.title', { city: 'Hong Kong' })).toBe('Departures from Hong Kong');
    expect(translate('zh-CN', 'board.title', { city: '香港' })).toBe('香港 出发航班');
    expect(translate('en', 'board.title')).toBe('Departures from {city}');
  });

  it('formats delays in both languages', () => {
    expect(formatDuration('en', 14 * 60)).toBe('14 h');
    expect(formatDuration('zh-CN', 14 * 60)).toBe('14小时');
    expect(formatDuration('en', 95)).toBe('1 h 35 min');
    expect(formatDuration('zh-CN', 45)).toBe('45分钟');
  });

  it('explains causes and errors by code, never by text', () => {
    expect(causeLabel('zh-CN', 'technical')).toBe('飞机技术故障');
    expect(causeLabel('en', 'not-a-cause')).toBe('Cause being confirmed');
    expect(causeLabel('en', null)).toBe('Cause being confirmed');
    expect(errorMessage('en', 'store.open')).toContain('could not be opened');
    expect(errorMessage('en', 'weird.code')).toBe('Unexpected error (weird.code).');
  });

  it('knows its locales', () => {
    expect(isLocale('en')).toBe(true);
    expect(isLocale('fr')).toBe(false);
  });
});
