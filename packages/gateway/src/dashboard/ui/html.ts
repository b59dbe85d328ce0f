/** JSX-like templates without a compile step, bound to Preact: html`<div class=${x}>…</div>`. */
export { html } from 'htm/preact';
