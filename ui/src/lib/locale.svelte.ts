import { type Locale, type MessageKey, type Params, translate } from './i18n';

// The current language, shared by every component. Reading it inside t()
// during render makes Svelte re-render when it changes.
export const ui = $state<{ locale: Locale }>({ locale: 'zh-CN' });

export function t(key: MessageKey, params?: Params): string {
  return translate(ui.locale, key, params);
}

export function setLocale(locale: Locale): void {
  ui.locale = locale;
  document.documentElement.lang = locale;
}
