/** The build's release id (vite.merchant.config.ts). */
declare const __MERCHANT_RELEASE__: string;
