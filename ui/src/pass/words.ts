// The passenger's copy of a voucher, in both languages.
import type { Locale } from '../lib/i18n';
import { ui } from '../lib/locale.svelte';

const en = {
  'title': 'Your voucher',
  'lead': 'Show this screen to the merchant. It works without network once opened.',
  'buys': 'Buys',
  'value': 'Value',
  'valid': 'Valid',
  'valid_range': '{from} to {until}',
  'name': 'Passenger',
  'flight': 'Flight',
  'serial': 'Serial',
  'qr_label': 'Voucher code for the merchant to scan',
  'bad': 'This link does not hold a voucher. Ask at the airline\'s desk or the kiosk for a new one.',
  'expired': 'This voucher has expired.',
  'where': 'Where to use it',
  'kind.meal': 'Meal',
  'kind.hotel': 'Hotel night',
  'kind.transport': 'Ground transport',
  'kind.upgrade': 'Upgrade',
  'kind.goodwill': 'Goodwill',
} as const;

type Key = keyof typeof en;

const zhCN: Record<Key, string> = {
  'title': '您的代金券',
  'lead': '请向商户出示此页面。页面打开后无需网络亦可使用。',
  'buys': '用途',
  'value': '金额',
  'valid': '有效期',
  'valid_range': '{from} 至 {until}',
  'name': '旅客',
  'flight': '航班',
  'serial': '编号',
  'qr_label': '供商户扫描的代金券二维码',
  'bad': '此链接不含代金券。请到航空公司柜台或自助机重新领取。',
  'expired': '此代金券已过期。',
  'where': '使用地点',
  'kind.meal': '餐食',
  'kind.hotel': '酒店住宿',
  'kind.transport': '地面交通',
  'kind.upgrade': '升舱',
  'kind.goodwill': '致歉补偿',
};

const words: Record<Locale, Record<Key, string>> = { en, 'zh-CN': zhCN };

export function p(key: Key, params: Record<string, string | number> = {}): string {
  const template = words[ui.locale][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function kindName(kind: string): string {
  const key = `kind.${kind}`;
  return key in en ? p(key as Key) : kind;
}

export function missingPassWords(): string[] {
  return Object.keys(en).filter((k) => !(k in zhCN));
}
