import { describe, expect, it } from 'vitest';
import { formatAmount, formatMoney } from './money';

describe('money', () => {
  it('shows an amount with the exponent Rust sent, whatever the currency', () => {
    expect(formatMoney('en', 1500, 'JPY', 0)).toBe('¥1,500');
    // Intl puts a no-break space between a code and the figure.
    expect(formatMoney('en', 1500, 'KWD', 3).replace(/\u00a0/g, ' ')).toBe('KWD 1.500');
    expect(formatMoney('en', 5000, 'HKD', 2)).toBe('HK$50.00');
    expect(formatAmount('zh-CN', { amount_minor: 1500, currency: 'JPY', exponent: 0 })).toBe('JP¥1,500');
  });
});
