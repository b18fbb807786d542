import { mount } from 'svelte';
import Pass from './Pass.svelte';
import '../app.css';
import './pass.css';

// Offline once opened: the service worker keeps the page and its reader.
if ('serviceWorker' in navigator) {
  void navigator.serviceWorker.register(`sw.js?r=${__WEB_RELEASE__}`, { scope: './' }).catch(() => undefined);
}

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
export default mount(Pass, { target });
