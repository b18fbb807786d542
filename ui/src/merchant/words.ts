// The merchant page's words, in both languages. Reasons are the verifier's
// and central's stable codes; an unknown code still says something.
import type { Locale } from '../lib/i18n';
import { ui } from '../lib/locale.svelte';

const en = {
  'title': 'Gatecare vouchers',
  'subtitle': 'Check and redeem airline care vouchers',
  'enrol.title': 'Set up this till',
  'enrol.lead': 'Enter the one-time merchant code the airline gave you, and a name for this till.',
  'enrol.code': 'Merchant code',
  'enrol.name': 'Name of this till',
  'enrol.name_hint': 'For example: Noodle Bar, counter 2',
  'enrol.submit': 'Set up',
  'enrol.offline': 'Setting up needs the network. Try again when online.',
  'enrolled.as': '{name} · {station}',
  'sign_out': 'Sign out of this till',
  'scan.title': 'Scan a voucher',
  'scan.start': 'Scan with the camera',
  'scan.stop': 'Stop the camera',
  'scan.camera_failed': 'The camera could not be opened. Type or paste the voucher code instead.',
  'scan.looking': 'Hold the voucher’s QR code in front of the camera.',
  'paste.label': 'Or type or paste the voucher code (starts with GC1:)',
  'paste.check': 'Check',
  'lists.age': 'Airline lists from {age} ago',
  'lists.fresh': 'Airline lists up to date',
  'lists.none': 'No airline lists yet: connect to the network once.',
  'lists.stale': 'The lists are more than a day old: connect to the network.',
  'network.online': 'Online',
  'network.offline': 'Offline: vouchers are checked on this device',
  'result.valid': 'Valid voucher',
  'result.refused': 'Refused',
  'result.buys': 'Buys',
  'result.value': 'Value',
  'result.valid_window': 'Valid',
  'result.valid_range': '{from} to {until}',
  'result.name': 'Passenger (check an ID)',
  'result.flight': 'Flight',
  'result.serial': 'Serial',
  'redeem.button': 'Redeem',
  'redeem.done': 'Redeemed at {time}. Give the passenger what the voucher buys.',
  'redeem.again': 'Already redeemed at {time} by {by}. Do not accept it again.',
  'redeem.not_confirmed': 'No network: the redemption is not confirmed. Do not accept it unless the airline allowed offline redemptions.',
  'redeem.failed': 'Not redeemed: {reason}',
  'kind.meal': 'Meal',
  'kind.hotel': 'Hotel night',
  'kind.transport': 'Ground transport',
  'kind.upgrade': 'Upgrade',
  'kind.goodwill': 'Goodwill',
  'reason.valid': 'Valid',
  'reason.malformed': 'This is not a Gatecare voucher code.',
  'reason.unsupported_version': 'A voucher of a newer version: update this page.',
  'reason.unknown_key': 'Not signed by a device the airline knows.',
  'reason.uncertified_key': 'Signed by a device the airline did not certify.',
  'reason.key_not_valid': 'Signed outside the device’s certified period.',
  'reason.key_revoked': 'Signed by a device the airline has withdrawn.',
  'reason.bad_signature': 'The voucher has been altered.',
  'reason.not_yet_valid': 'Not valid yet.',
  'reason.expired': 'Expired.',
  'reason.voided': 'Cancelled by the airline.',
  'reason.trust_list_unreadable': 'The airline’s list on this device is damaged: connect to the network.',
  'reason.untrusted_root': 'The list on this device is not the airline’s: set up the till again.',
  'reason.void_list_unreadable': 'The cancellations list on this device is damaged: connect to the network.',
  'reason.bad_clock': 'This device’s clock is wrong.',
  'reason.verifier_unavailable': 'This page could not start its checker: reload it.',
  'reason.no_lists': 'No airline lists on this device yet: connect to the network once.',
  'reason.already_redeemed': 'Already redeemed.',
  'reason.redemption_id_reused': 'Another voucher was sent under this redemption; scan again.',
  'reason.not_enrolled': 'This till is not set up (or was signed out).',
  'reason.device_revoked': 'The airline has withdrawn this till.',
  'reason.enrolment_code_invalid': 'Unknown, used or expired code.',
  'reason.enrolment_code_wrong_role': 'This code is not a merchant code.',
  'reason.rate_limited': 'Too many wrong codes: wait a minute.',
  'reason.bad_name': 'Give the till a name of 1 to 80 characters.',
  'reason.unknown': 'Unexpected answer ({code}).',
} as const;

export type WordKey = keyof typeof en;

const zhCN: Record<WordKey, string> = {
  'title': 'Gatecare 代金券',
  'subtitle': '核验并兑换航空公司服务代金券',
  'enrol.title': '设置本收银台',
  'enrol.lead': '请输入航空公司提供的一次性商户码，并为本收银台命名。',
  'enrol.code': '商户码',
  'enrol.name': '收银台名称',
  'enrol.name_hint': '例如：面馆 2 号柜台',
  'enrol.submit': '设置',
  'enrol.offline': '设置需要联网，请联网后重试。',
  'enrolled.as': '{name} · {station}',
  'sign_out': '退出本收银台',
  'scan.title': '扫描代金券',
  'scan.start': '用摄像头扫描',
  'scan.stop': '关闭摄像头',
  'scan.camera_failed': '无法打开摄像头，请输入或粘贴代金券代码。',
  'scan.looking': '请将代金券二维码对准摄像头。',
  'paste.label': '或输入/粘贴代金券代码（以 GC1: 开头）',
  'paste.check': '核验',
  'lists.age': '航空公司名单更新于 {age} 前',
  'lists.fresh': '航空公司名单已是最新',
  'lists.none': '尚无航空公司名单：请先联网一次。',
  'lists.stale': '名单已超过一天：请联网更新。',
  'network.online': '在线',
  'network.offline': '离线：在本设备上核验代金券',
  'result.valid': '代金券有效',
  'result.refused': '不予接受',
  'result.buys': '用途',
  'result.value': '金额',
  'result.valid_window': '有效期',
  'result.valid_range': '{from} 至 {until}',
  'result.name': '旅客（请核对证件）',
  'result.flight': '航班',
  'result.serial': '编号',
  'redeem.button': '兑换',
  'redeem.done': '已于 {time} 兑换。请向旅客提供代金券所含服务。',
  'redeem.again': '已于 {time} 在 {by} 兑换过，请勿再次接受。',
  'redeem.not_confirmed': '无网络：兑换尚未确认。除非航空公司允许离线兑换，否则请勿接受。',
  'redeem.failed': '未兑换：{reason}',
  'kind.meal': '餐食',
  'kind.hotel': '酒店住宿',
  'kind.transport': '地面交通',
  'kind.upgrade': '升舱',
  'kind.goodwill': '致歉补偿',
  'reason.valid': '有效',
  'reason.malformed': '这不是 Gatecare 代金券代码。',
  'reason.unsupported_version': '代金券版本较新：请更新本页面。',
  'reason.unknown_key': '签发设备不为航空公司所知。',
  'reason.uncertified_key': '签发设备未经航空公司认证。',
  'reason.key_not_valid': '签发时间不在设备认证期内。',
  'reason.key_revoked': '签发设备已被航空公司停用。',
  'reason.bad_signature': '代金券已被篡改。',
  'reason.not_yet_valid': '尚未生效。',
  'reason.expired': '已过期。',
  'reason.voided': '已被航空公司作废。',
  'reason.trust_list_unreadable': '本设备上的航空公司名单已损坏：请联网。',
  'reason.untrusted_root': '本设备上的名单并非来自航空公司：请重新设置收银台。',
  'reason.void_list_unreadable': '本设备上的作废名单已损坏：请联网。',
  'reason.bad_clock': '本设备时钟有误。',
  'reason.verifier_unavailable': '本页面的核验程序未能启动：请刷新页面。',
  'reason.no_lists': '本设备尚无航空公司名单：请先联网一次。',
  'reason.already_redeemed': '已兑换过。',
  'reason.redemption_id_reused': '此兑换编号已用于另一张代金券，请重新扫描。',
  'reason.not_enrolled': '本收银台尚未设置（或已退出）。',
  'reason.device_revoked': '航空公司已停用本收银台。',
  'reason.enrolment_code_invalid': '商户码无效、已使用或已过期。',
  'reason.enrolment_code_wrong_role': '这不是商户码。',
  'reason.rate_limited': '错误次数过多，请稍候一分钟。',
  'reason.bad_name': '收银台名称需 1 至 80 个字符。',
  'reason.unknown': '意外的答复（{code}）。',
};

const words: Record<Locale, Record<WordKey, string>> = { en, 'zh-CN': zhCN };

export function w(key: WordKey, params: Record<string, string | number> = {}): string {
  const template = words[ui.locale][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A stable code (the verifier's or central's) in words. */
export function reason(code: string): string {
  const key = `reason.${code}`;
  return key in en ? w(key as WordKey) : w('reason.unknown', { code });
}

export function kindName(kind: string): string {
  const key = `kind.${kind}`;
  return key in en ? w(key as WordKey) : kind;
}

/** Every key in both tables (for the tests). */
export function missingWords(): string[] {
  return Object.keys(en).filter((k) => !(k in zhCN));
}
