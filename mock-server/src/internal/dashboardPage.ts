/**
 * The dashboard page: one HTML document with its style and script inline (no bundler, no CDN:
 * it works offline). The script reads the live feed (`<base>/events`) and calls the admin API
 * under `<base>` to change the knobs.
 *
 * @internal
 */
import { dashboardScript } from "./dashboardScript.js"
import { dashboardStyle } from "./dashboardStyle.js"

/** The page, for an admin API mounted at `base` (e.g. `/__mock`). */
export const dashboardPage = (base: string): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lemlist mock · dashboard</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%236d5efc'/%3E%3Cpath d='M5 4v8h6' stroke='white' stroke-width='2' fill='none'/%3E%3C/svg%3E">
<style>${dashboardStyle}</style>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">L</span><span>lemlist mock</span><span class="sub">dashboard</span></div>
  <div class="status">
    <span id="conn" class="pill off" data-testid="connection">connecting…</span>
    <span class="meta">mock time <b id="now">–</b></span>
    <span class="meta">seed <b id="seed">–</b></span>
  </div>
  <div class="actions">
    <button id="complete" class="btn light" title="POST /__mock/complete: finish every pending enrichment now">Complete pending</button>
    <button id="reset" class="btn ghost" title="POST /__mock/reset: back to the start">Reset</button>
  </div>
</header>
<main class="layout">
  <section class="content">
    <h2 class="section-title">API keys <span class="hint">each key is its own team: credits, hooks, rate-limit window</span></h2>
    <div id="teams" class="teams"></div>
    <nav class="tabs" role="tablist">
      <button class="tab active" data-tab="enrichments" role="tab">Enrichments <span class="count" id="tab-enrichments">0</span></button>
      <button class="tab" data-tab="webhooks" role="tab">Webhooks <span class="count" id="tab-webhooks">0</span></button>
      <button class="tab" data-tab="requests" role="tab">Requests <span class="count" id="tab-requests">0</span></button>
    </nav>
    <div class="panel" id="panel-enrichments">
      <div class="tiles" id="enrichment-tiles"></div>
      <div class="toolbar">
        <input id="enr-q" type="search" placeholder="Search by id, metadata or input (e.g. enr_…, row 42, ada@)" autocomplete="off">
        <select id="enr-status"><option value="">any status</option><option value="in-progress">in progress</option><option value="done">done</option><option value="error">error</option></select>
        <span class="hint" id="enr-shown"></span>
      </div>
      <div class="table-wrap"><table class="grid" id="enrichments">
        <thead><tr><th>id</th><th>team</th><th>workflows</th><th>status</th><th>metadata</th><th>input</th><th class="num" title="from creation to completion; hover for the creation time">took</th><th class="num">credits</th></tr></thead>
        <tbody></tbody></table></div>
    </div>
    <div class="panel hidden" id="panel-webhooks">
      <div class="tiles" id="webhook-tiles"></div>
      <div class="toolbar">
        <label class="check"><input id="del-failed" type="checkbox"> failed attempts only</label>
        <span class="hint" id="del-shown"></span>
      </div>
      <div class="table-wrap"><table class="grid" id="deliveries">
        <thead><tr><th>time</th><th>target</th><th>event</th><th>enrichment</th><th class="num">attempt</th><th>result</th><th class="num">latency</th><th>fault / error</th></tr></thead>
        <tbody></tbody></table></div>
    </div>
    <div class="panel hidden" id="panel-requests">
      <div class="tiles" id="request-tiles"></div>
      <div class="toolbar">
        <select id="req-route"><option value="">any route</option></select>
        <select id="req-class"><option value="">any status</option><option value="2xx">2xx</option><option value="4xx">4xx (not 429)</option><option value="429">429</option><option value="5xx">5xx</option><option value="connection">connection fault</option></select>
        <select id="req-team"><option value="">any team</option></select>
        <label class="check"><input id="req-faults" type="checkbox"> faults only</label>
        <span class="hint" id="req-shown"></span>
      </div>
      <div class="table-wrap"><table class="grid" id="requests">
        <thead><tr><th>time</th><th>method</th><th>path</th><th>route</th><th>status</th><th>team</th><th>fault</th><th class="num">created</th></tr></thead>
        <tbody></tbody></table></div>
    </div>
  </section>
  <aside class="knobs">
    <div class="card">
      <h3>Latency</h3>
      <p class="hint">How long an enrichment takes to complete, drawn uniformly.</p>
      <div class="row"><label>min <input id="lat-min" type="number" min="0" step="50"> ms</label><label>max <input id="lat-max" type="number" min="0" step="50"> ms</label></div>
      <button id="lat-apply" class="btn small">Apply</button>
    </div>
    <div class="card">
      <h3>Rate limit</h3>
      <label class="switch"><input id="rate-enabled" type="checkbox"><span></span> <b id="rate-text">–</b></label>
    </div>
    <div class="card">
      <h3>Faults <span class="hint">probability per request</span></h3>
      <div id="faults-request"></div>
      <h4>Webhooks <span class="hint">per delivery</span></h4>
      <div id="faults-webhook"></div>
    </div>
    <div class="card">
      <h3>One-shot fault</h3>
      <p class="hint">Hits the next matching request(s) only.</p>
      <div class="row">
        <select id="inject-fault"><option value="serverError:500">500 Internal Server Error</option><option value="serverError:502">502 Bad Gateway</option><option value="serverError:503">503 Service Unavailable</option><option value="rateLimitStorm">429 storm</option><option value="slow">slow answer</option><option value="drop">dropped connection</option><option value="lostAnswer">lost answer</option><option value="refused">refused connection</option></select>
      </div>
      <div class="row">
        <select id="inject-route"><option value="">any route</option></select>
        <label>× <input id="inject-times" type="number" min="1" value="1"></label>
        <button id="inject" class="btn small">Inject</button>
      </div>
      <ul id="injected" class="queue"></ul>
    </div>
    <p id="toast" class="toast" role="status"></p>
  </aside>
</main>
<script>window.MOCK_BASE = ${JSON.stringify(base).replace(/</g, "\\u003c")};</script>
<script>${dashboardScript}</script>
</body>
</html>
`
