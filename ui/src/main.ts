import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { tauriBackend } from './lib/backend';

// Marks for the start-up measurement (tests/app_start.rs reads them); free otherwise.
performance.mark('tenantry:script-start');
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

const app = mount(App, { target, props: { backend: tauriBackend } });
performance.mark('tenantry:mounted');
requestAnimationFrame(() => performance.mark('tenantry:first-frame'));
export default app;
