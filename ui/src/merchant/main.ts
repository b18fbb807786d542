import { mount } from 'svelte';
import Merchant from './Merchant.svelte';
import '../app.css';
import './merchant.css';

// Offline once loaded: the service worker keeps the page and its verifier.
if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register(`sw.js?r=${__WEB_RELEASE__}`, { scope: './' }).catch(() => undefined);
}

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
export default mount(Merchant, { target });
