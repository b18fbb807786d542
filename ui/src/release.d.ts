/** The build's release id (vite.web.config.ts): a new one registers a new service worker. */
declare const __WEB_RELEASE__: string;
