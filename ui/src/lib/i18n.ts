// Every string on screen goes through this table. Adding a language means
// adding one object with the same keys; the type checker finds gaps.

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

const en = {
  'app.title': 'Gatecare',
  'app.subtitle': 'Passenger care',
  'mode.agent': 'Gate agent',
  'mode.kiosk': 'Self-service',
  'lang.label': 'Language',
  'a11y.large_text': 'Larger text',
  'lang.zh-CN': '中文',
  'lang.en': 'English',
  'clock.local': 'Local time {time}',
  'board.title': 'Departures from {city}',
  'board.demo_day': 'Demo day {date}',
  'board.empty': 'No departures today.',
  'board.loading': 'Loading flights…',
  'board.col.flight': 'Flight',
  'board.col.to': 'To',
  'board.col.scheduled': 'Scheduled',
  'board.col.expected': 'Expected',
  'board.col.gate': 'Gate',
  'board.col.status': 'Status',
  'board.col.passengers': 'Passengers',
  'board.summary': '{total} departures · {delayed} delayed · {cancelled} cancelled',
  'board.next_day': '+{days} day',
  'status.on_time': 'On time',
  'status.delayed': 'Delayed {duration}',
  'status.cancelled': 'Cancelled',
  'cause.technical': 'Technical fault',
  'cause.crew': 'Crew',
  'cause.scheduling': 'Aircraft scheduling',
  'cause.commercial': 'Commercial',
  'cause.weather': 'Weather',
  'cause.atc': 'Air traffic control',
  'cause.atc_strike': 'Air traffic control strike',
  'cause.airport': 'Airport operations',
  'cause.security': 'Security',
  'cause.strike_external': 'Strike (outside the airline)',
  'cause.strike_own_staff': 'Strike (airline staff)',
  'cause.passenger': 'Passenger-related',
  'cause.medical': 'Medical emergency',
  'cause.bird_strike': 'Bird strike',
  'cause.safety_required': 'Safety check',
  'cause.political': 'Political situation',
  'cause.unknown': 'Cause being confirmed',
  'duration.hm': '{h} h {m} min',
  'duration.h': '{h} h',
  'duration.m': '{m} min',
  'kiosk.welcome': 'Welcome',
  'kiosk.scan': 'Scan your boarding pass',
  'kiosk.scan_hint': 'Hold the barcode under the reader, or enter your booking reference.',
  'kiosk.choose_language': 'Choose your language',
  'kiosk.or_enter': 'Or enter your booking reference and surname',
  'kiosk.pnr': 'Booking reference',
  'kiosk.surname': 'Surname',
  'kiosk.find': 'Find my booking',
  'kiosk.clear': 'Clear',
  'kiosk.back': 'Finish',
  'kiosk.key.space': 'Space',
  'kiosk.key.delete': 'Delete',
  'kiosk.hello': 'Hello, {name}',
  'kiosk.status.delayed': 'Your flight {flight} to {city} is delayed by {duration}.',
  'kiosk.status.cancelled': 'Your flight {flight} to {city} is cancelled.',
  'kiosk.status.on_time': 'Your flight {flight} to {city} is on time.',
  'kiosk.cause': 'Why: {cause}',
  'kiosk.new_time': 'New expected departure: {time}',
  'kiosk.next_day': ' (next day)',
  'kiosk.next_update': 'Next update from us: {time} at the latest',
  'kiosk.entitlements': 'What you are entitled to',
  'kiosk.none_yet': 'Nothing is due yet. We will tell you as soon as something is.',
  'kiosk.due_now': 'Yours now',
  'kiosk.due_from': 'From {time}',
  'kiosk.because': 'Because: {why}',
  'kiosk.source.policy': 'our care policy',
  'kiosk.print': 'Print my voucher',
  'kiosk.reprint': 'Print it again',
  'kiosk.printing': 'Printing… please wait',
  'kiosk.printed': 'Printed: voucher {serial}. Please take it from the printer.',
  'kiosk.print_failed': 'The printer is not working. Your voucher {serial} is valid: show this code at the counter or restaurant, or ask staff to print it.',
  'kiosk.staff_help': 'Staff at the gate will arrange this for you.',
  'kiosk.passenger_pays': 'We arrange it; the cost is yours under the rules for this cause.',
  'kiosk.refund': 'You may also choose a refund instead of travelling.',
  'kiosk.choose_hotel': 'Choose your hotel',
  'kiosk.hotel_rooms': '{stars}★ · {rooms} rooms left',
  'kiosk.this_hotel': 'Choose this hotel',
  'kiosk.no_rooms': 'Our hotel rooms are taken. Please go to the transfer desk: staff will find you a room.',
  'kiosk.feedback': 'How did we do?',
  'kiosk.feedback.1': 'Very poor',
  'kiosk.feedback.2': 'Poor',
  'kiosk.feedback.3': 'OK',
  'kiosk.feedback.4': 'Good',
  'kiosk.feedback.5': 'Very good',
  'kiosk.feedback.thanks': 'Thank you. Your answer goes straight to the station manager.',
  'kiosk.enrol.title': 'Join our frequent-flyer programme',
  'kiosk.enrol.why': 'Miles from this trip count straight away, and we can reach you by text when your flight changes.',
  'kiosk.enrol.mobile': 'Mobile number',
  'kiosk.enrol.consent': 'I agree to be enrolled and contacted about my flights.',
  'kiosk.enrol.join': 'Join',
  'kiosk.enrol.done': 'Welcome to the programme. Your number: {number}',
  'error.kiosk.enrol_invalid': 'Please enter a mobile number of 8 to 15 digits and tick the box.',
  'regime.EU261': 'EU Regulation 261/2004',
  'regime.UK261': 'UK Regulation 261/2004',
  'regime.APPR': 'Canada Air Passenger Protection Regulations',
  'regime.US_DOT': 'US DOT airline commitments',
  'regime.CN_MOT_2016': 'CAAC flight regularity rules (2016)',
  'regime.ANAC_400': 'ANAC Resolution 400 (Brazil)',
  'kiosk.kind.meal': 'Meal',
  'kiosk.kind.communication': 'Phone calls and messages',
  'kiosk.kind.hotel': 'Hotel for the night',
  'kiosk.kind.transport': 'Transport to and from the hotel',
  'kiosk.ordinal': '(no. {n})',
  'error.kiosk.no_match': 'We could not find this booking for a flight from here today. Please check the reference and surname, or ask staff.',
  'error.kiosk.not_a_pass': 'This is not a boarding pass we can read. Please try again or enter your booking reference.',
  'error.kiosk.session_expired': 'For your privacy the screen was cleared. Please scan again.',
  'error.kiosk.no_session': 'Please scan your boarding pass first.',
  'error.mode.forbidden': 'Not available here.',
  'error.title': 'Something is wrong',
  'error.store.open': 'The local database could not be opened. Call IT support.',
  'error.store.migrate': 'The local database could not be updated. Call IT support.',
  'error.store.query': 'The local database did not answer. Try again.',
  'error.unknown': 'Unexpected error ({code}).',
  'footer.version': 'Version {version}',
  'sync.label': 'Connection to central',
  'sync.online': 'Online · synced {time}',
  'sync.online_never': 'Online',
  'sync.offline': 'Offline · {count} waiting to send',
  'sync.offline_clear': 'Offline · nothing waiting',
  'sync.not_enrolled': 'Not connected to central',
  'sync.conflicts': '{count} double issues to check',
} as const;

export type MessageKey = keyof typeof en;

const zhCN: Record<MessageKey, string> = {
  'app.title': 'Gatecare',
  'app.subtitle': '旅客服务',
  'mode.agent': '登机口柜台',
  'mode.kiosk': '自助服务',
  'lang.label': '语言',
  'a11y.large_text': '放大字体',
  'lang.zh-CN': '中文',
  'lang.en': 'English',
  'clock.local': '当地时间 {time}',
  'board.title': '{city} 出发航班',
  'board.demo_day': '演示日 {date}',
  'board.empty': '今天没有出发航班。',
  'board.loading': '正在载入航班…',
  'board.col.flight': '航班',
  'board.col.to': '目的地',
  'board.col.scheduled': '计划',
  'board.col.expected': '预计',
  'board.col.gate': '登机口',
  'board.col.status': '状态',
  'board.col.passengers': '旅客',
  'board.summary': '共 {total} 个航班 · 延误 {delayed} · 取消 {cancelled}',
  'board.next_day': '+{days} 天',
  'status.on_time': '正常',
  'status.delayed': '延误 {duration}',
  'status.cancelled': '取消',
  'cause.technical': '飞机技术故障',
  'cause.crew': '机组原因',
  'cause.scheduling': '飞机调配',
  'cause.commercial': '航空公司商务原因',
  'cause.weather': '天气原因',
  'cause.atc': '空中交通管制',
  'cause.atc_strike': '空管罢工',
  'cause.airport': '机场原因',
  'cause.security': '安全检查',
  'cause.strike_external': '罢工（航空公司以外）',
  'cause.strike_own_staff': '罢工（航空公司员工）',
  'cause.passenger': '旅客原因',
  'cause.medical': '医疗急救',
  'cause.bird_strike': '鸟击',
  'cause.safety_required': '安全检查需要',
  'cause.political': '政治局势',
  'cause.unknown': '原因正在确认',
  'duration.hm': '{h}小时{m}分钟',
  'duration.h': '{h}小时',
  'duration.m': '{m}分钟',
  'kiosk.welcome': '欢迎',
  'kiosk.scan': '请扫描您的登机牌',
  'kiosk.scan_hint': '将条形码对准扫描器，或输入您的订座记录编号。',
  'kiosk.choose_language': '请选择语言',
  'kiosk.or_enter': '或输入订座记录编号和姓氏',
  'kiosk.pnr': '订座记录编号',
  'kiosk.surname': '姓氏（拼音）',
  'kiosk.find': '查找我的订座',
  'kiosk.clear': '清除',
  'kiosk.back': '完成',
  'kiosk.key.space': '空格',
  'kiosk.key.delete': '删除',
  'kiosk.hello': '您好，{name}',
  'kiosk.status.delayed': '您乘坐的 {flight} 航班（前往{city}）延误 {duration}。',
  'kiosk.status.cancelled': '您乘坐的 {flight} 航班（前往{city}）已取消。',
  'kiosk.status.on_time': '您乘坐的 {flight} 航班（前往{city}）正常。',
  'kiosk.cause': '原因：{cause}',
  'kiosk.new_time': '预计起飞时间：{time}',
  'kiosk.next_day': '（次日）',
  'kiosk.next_update': '我们最迟将于 {time} 再次通知您最新情况',
  'kiosk.entitlements': '您可获得的服务',
  'kiosk.none_yet': '目前尚无可领取的服务，一旦有，我们会立即通知您。',
  'kiosk.due_now': '现在即可领取',
  'kiosk.due_from': '{time} 起',
  'kiosk.because': '依据：{why}',
  'kiosk.source.policy': '本公司服务标准',
  'kiosk.print': '打印我的服务券',
  'kiosk.reprint': '再次打印',
  'kiosk.printing': '正在打印，请稍候…',
  'kiosk.printed': '已打印：服务券 {serial}。请从打印机取走。',
  'kiosk.print_failed': '打印机暂时无法使用。您的服务券 {serial} 有效：请向柜台或餐厅出示此二维码，或请工作人员打印。',
  'kiosk.staff_help': '登机口工作人员将为您安排。',
  'kiosk.passenger_pays': '我们为您安排，按此原因的规定费用由您承担。',
  'kiosk.refund': '您也可以选择退票而不继续旅行。',
  'kiosk.choose_hotel': '选择酒店',
  'kiosk.hotel_rooms': '{stars}星 · 剩余 {rooms} 间',
  'kiosk.this_hotel': '选择这家酒店',
  'kiosk.no_rooms': '协议酒店已满。请前往中转柜台，工作人员会为您安排房间。',
  'kiosk.feedback': '您对我们的服务满意吗？',
  'kiosk.feedback.1': '很不满意',
  'kiosk.feedback.2': '不满意',
  'kiosk.feedback.3': '一般',
  'kiosk.feedback.4': '满意',
  'kiosk.feedback.5': '非常满意',
  'kiosk.feedback.thanks': '谢谢您。您的评价将直接送达站长。',
  'kiosk.enrol.title': '加入常旅客计划',
  'kiosk.enrol.why': '本次行程的里程立即累积；航班有变时我们可以短信通知您。',
  'kiosk.enrol.mobile': '手机号码',
  'kiosk.enrol.consent': '我同意加入并接收有关航班的联系。',
  'kiosk.enrol.join': '加入',
  'kiosk.enrol.done': '欢迎加入。您的会员号：{number}',
  'error.kiosk.enrol_invalid': '请输入 8 至 15 位手机号码并勾选同意。',
  'regime.EU261': '欧盟第261/2004号条例',
  'regime.UK261': '英国第261/2004号条例',
  'regime.APPR': '加拿大航空旅客保护条例',
  'regime.US_DOT': '美国交通部航空公司承诺',
  'regime.CN_MOT_2016': '民航局《航班正常管理规定》',
  'regime.ANAC_400': '巴西民航局第400号决议',
  'kiosk.kind.meal': '餐食',
  'kiosk.kind.communication': '电话及信息',
  'kiosk.kind.hotel': '住宿',
  'kiosk.kind.transport': '往返酒店交通',
  'kiosk.ordinal': '（第 {n} 份）',
  'error.kiosk.no_match': '未找到今天从本站出发的此订座。请核对订座记录编号和姓氏，或请工作人员协助。',
  'error.kiosk.not_a_pass': '无法识别此登机牌。请重试或输入订座记录编号。',
  'error.kiosk.session_expired': '为保护您的隐私，屏幕已清除。请重新扫描。',
  'error.kiosk.no_session': '请先扫描您的登机牌。',
  'error.mode.forbidden': '此处不可用。',
  'error.title': '出现问题',
  'error.store.open': '无法打开本地数据库，请联系技术支持。',
  'error.store.migrate': '无法更新本地数据库，请联系技术支持。',
  'error.store.query': '本地数据库没有响应，请重试。',
  'error.unknown': '意外错误（{code}）。',
  'footer.version': '版本 {version}',
  'sync.label': '与中央系统的连接',
  'sync.online': '在线 · {time} 已同步',
  'sync.online_never': '在线',
  'sync.offline': '离线 · {count} 条待发送',
  'sync.offline_clear': '离线 · 无待发送',
  'sync.not_enrolled': '未连接中央系统',
  'sync.conflicts': '{count} 起重复发放待核查',
};

const messages: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

export type Params = Record<string, string | number>;

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const template = messages[locale][key] ?? messages.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/** Every key defined for every locale, for tests. */
export function missingKeys(): Array<[Locale, string]> {
  const out: Array<[Locale, string]> = [];
  for (const locale of LOCALES) {
    for (const key of Object.keys(en)) {
      if (!(key in messages[locale])) out.push([locale, key]);
    }
  }
  return out;
}

/** Error codes from Rust map to messages; unknown codes still say something. */
export function errorMessage(locale: Locale, code: string): string {
  const key = `error.${code}`;
  if (key in en) return translate(locale, key as MessageKey);
  return translate(locale, 'error.unknown', { code });
}

export function causeLabel(locale: Locale, cause: string | null): string {
  const key = `cause.${cause ?? 'unknown'}`;
  return key in en ? translate(locale, key as MessageKey) : translate(locale, 'cause.unknown');
}

export function regimeName(locale: Locale, code: string): string {
  const key = `regime.${code}`;
  return key in en ? translate(locale, key as MessageKey) : code;
}

export function formatDuration(locale: Locale, minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h > 0 && m > 0) return translate(locale, 'duration.hm', { h, m });
  if (h > 0) return translate(locale, 'duration.h', { h });
  return translate(locale, 'duration.m', { m });
}
