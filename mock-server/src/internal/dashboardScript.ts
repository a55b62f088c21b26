/**
 * The dashboard's script (inline in the page; plain ES2020, no framework). It keeps the newest
 * requests and deliveries pushed by the live feed, asks the admin API for the enrichments page
 * it shows when their version changes, and sends knob changes to the admin API. The browser
 * tests in `mock-server/test/dashboard.browser.test.ts` drive it.
 *
 * Written as a string (no template literals inside) so that no bundler or transpiler touches it.
 *
 * @internal
 */
export const dashboardScript = String.raw`
(function () {
  "use strict";
  var base = window.MOCK_BASE;
  var keepRequests = 2000, keepDeliveries = 1000, showRows = 200;
  var S = {
    summary: null, receivedAt: 0, requests: [], deliveries: [], tab: "enrichments",
    enr: { q: "", status: "", rows: [], total: 0, version: -1, loading: false, again: false, loadedAt: 0, timer: 0 },
    knobsReady: false
  };
  var requestFaults = [
    ["serverError", "5xx answer", "500, 502 or 503, nothing done"],
    ["rateLimitStorm", "429 storm", "every request of the team gets 429 for a while"],
    ["slow", "slow answer", "the answer waits slowMs"],
    ["drop", "dropped connection", "before the answer, nothing done"],
    ["lostAnswer", "lost answer", "done and charged, then the connection drops"],
    ["refused", "refused connection", "never connected"]
  ];
  var webhookFaults = [
    ["webhookDrop", "dropped", "never sent"],
    ["webhookDuplicate", "duplicated", "sent twice"],
    ["webhookDelay", "delayed", "first attempt waits webhookDelayMs"],
    ["webhookReorder", "reordered", "held back behind the next one"]
  ];
  var routes = ["bulk", "enrich", "getEnrichment", "enrichLead", "credits", "hooks", "hook"];

  function $(id) { return document.getElementById(id); }
  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmt(n) { return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"); }
  function ms(n) {
    if (n === null || n === undefined) return "–";
    if (n < 1000) return Math.round(n) + " ms";
    if (n < 60000) return (n / 1000).toFixed(n < 10000 ? 2 : 1) + " s";
    return (n / 60000).toFixed(1) + " min";
  }
  function pad(n, w) { var s = String(n); while (s.length < w) s = "0" + s; return s; }
  function clock(t) {
    var d = new Date(t);
    return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" + pad(d.getSeconds(), 2) + "." + pad(d.getMilliseconds(), 3);
  }
  function ago(t) {
    if (!S.summary) return "";
    var d = S.summary.now - t;
    return d < 1000 ? "just now" : ms(d) + " ago";
  }
  function mockNow() { return S.summary ? S.summary.now + (Date.now() - S.receivedAt) : Date.now(); }
  function toast(text, isError) {
    var el = $("toast");
    el.textContent = text;
    el.className = "toast" + (isError ? " error" : "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.textContent = ""; }, 4000);
  }
  function api(method, path, body) {
    return fetch(base + path, {
      method: method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (text) {
        var json = null;
        try { json = JSON.parse(text); } catch (e) { json = null; }
        if (!res.ok) throw new Error((json && json.error) || text || ("HTTP " + res.status));
        return { json: json, res: res };
      });
    });
  }
  function empty(cols, title, text) {
    return "<tr class=\"empty\"><td colspan=\"" + cols + "\"><div class=\"big\">" + esc(title) + "</div>" + esc(text) + "</td></tr>";
  }
  function teamLabel(teamId) {
    if (!teamId) return "<span class=\"c-muted\">–</span>";
    var i = S.summary ? S.summary.teams.findIndex(function (t) { return t.teamId === teamId; }) : -1;
    return "<span class=\"mono\" title=\"" + esc(teamId) + "\">" + (i >= 0 ? "key " + (i + 1) : esc(teamId.slice(0, 10))) + "</span>";
  }

  // ---- teams ---------------------------------------------------------------------------
  function renderTeams() {
    var s = S.summary, el = $("teams");
    if (!s.teams.length) { el.innerHTML = "<div class=\"card hint\">No API key configured.</div>"; return; }
    if (el.children.length !== s.teams.length || el.dataset.epoch !== String(s.epoch)) {
      el.innerHTML = s.teams.map(function (t, i) {
        return "<div class=\"card team\" data-team=\"" + esc(t.teamId) + "\" data-testid=\"team\">" +
          "<div class=\"team-head\"><b>Key " + (i + 1) + "</b><span class=\"fp\" title=\"SHA-256 fingerprint of the key (the key itself is never shown)\">••• " + esc(t.keyFingerprint.slice(0, 8)) + "</span></div>" +
          "<div class=\"team-id\">" + esc(t.teamId) + "</div>" +
          "<div class=\"credits\"><b data-field=\"credits\">–</b><span>credits</span><span data-field=\"spent\"></span>" +
          "<button class=\"link\" data-action=\"edit-credits\" title=\"Set this key's balance (PUT /__mock/credits)\">set</button></div>" +
          "<form class=\"credit-form hidden\" data-field=\"credit-form\"><input type=\"number\" min=\"0\" step=\"1\" required aria-label=\"new balance\">" +
          "<button class=\"btn small\">Save</button><button type=\"button\" class=\"btn small quiet\" data-action=\"cancel\">Cancel</button></form>" +
          "<div class=\"window\"><div class=\"window-head\"><span data-field=\"window-label\">rate limit</span><b data-field=\"window-used\"></b></div>" +
          "<div class=\"slots\" data-field=\"slots\"></div></div>" +
          "<div class=\"kv\">" +
          "<div>requests<b data-field=\"requests\"></b></div>" +
          "<div>enrichments<b data-field=\"created\"></b></div>" +
          "<div data-field=\"rl-wrap\">429s<b data-field=\"rateLimited\"></b></div>" +
          "<div>hooks<b data-field=\"hooks\"></b></div>" +
          "<div data-field=\"lost-wrap\">lost answers<b data-field=\"lostAnswers\"></b></div>" +
          "<div data-field=\"drop-wrap\">dropped<b data-field=\"droppedConnections\"></b></div>" +
          "</div></div>";
      }).join("");
      el.dataset.epoch = String(s.epoch);
    }
    s.teams.forEach(function (t) {
      var card = el.querySelector("[data-team=\"" + t.teamId + "\"]");
      if (!card) return;
      function set(f, v) { var n = card.querySelector("[data-field=\"" + f + "\"]"); if (n) n.textContent = v; }
      set("credits", fmt(t.credits));
      card.querySelector("[data-field=\"credits\"]").className = t.credits === 0 ? "c-red" : "";
      set("spent", t.stats.creditsSpent ? "· " + fmt(t.stats.creditsSpent) + " spent" : "");
      set("requests", fmt(t.stats.requests));
      set("created", fmt(t.stats.enrichmentsCreated));
      set("rateLimited", fmt(t.stats.rateLimited));
      set("hooks", fmt(t.hooks));
      set("lostAnswers", fmt(t.stats.lostAnswers));
      set("droppedConnections", fmt(t.stats.droppedConnections));
      card.querySelector("[data-field=\"rl-wrap\"]").className = t.stats.rateLimited ? "bad" : "";
      card.querySelector("[data-field=\"lost-wrap\"]").className = t.stats.lostAnswers ? "bad" : "";
      card.querySelector("[data-field=\"drop-wrap\"]").className = t.stats.droppedConnections ? "bad" : "";
    });
    renderWindows();
  }
  $("teams").addEventListener("click", function (e) {
    var action = e.target.dataset && e.target.dataset.action, card = e.target.closest("[data-team]");
    if (!action || !card) return;
    var form = card.querySelector("[data-field=\"credit-form\"]");
    if (action === "cancel") { form.classList.add("hidden"); return; }
    var team = S.summary.teams.find(function (t) { return t.teamId === card.dataset.team; });
    form.classList.remove("hidden");
    form.elements[0].value = team ? team.credits : "";
    form.elements[0].focus();
    form.elements[0].select();
  });
  $("teams").addEventListener("submit", function (e) {
    e.preventDefault();
    var card = e.target.closest("[data-team]"), credits = Number(e.target.elements[0].value);
    api("PUT", "/credits", { teamId: card.dataset.team, credits: credits }).then(function () {
      e.target.classList.add("hidden");
      toast("credits set to " + fmt(credits));
    }).catch(function (err) { toast(err.message, true); });
  });

  // The window moves with time, not only with changes: redrawn on a timer from the pushed slots.
  function renderWindows() {
    var s = S.summary;
    if (!s) return;
    var now = mockNow();
    s.teams.forEach(function (t) {
      var card = document.querySelector("[data-team=\"" + t.teamId + "\"]");
      if (!card) return;
      var w = t.window, used, resetIn = null;
      if (w.algorithm === "fixed") {
        used = w.resetAt !== null && now < w.resetAt ? w.used : 0;
        if (used) resetIn = w.resetAt - now;
      } else {
        var live = w.slots.filter(function (x) { return x > now - w.windowMs; });
        used = live.length;
        if (used) resetIn = live[0] + w.windowMs - now;
      }
      var storm = w.stormUntil !== null && w.stormUntil > now;
      var slots = card.querySelector("[data-field=\"slots\"]");
      // One cell per slot (at most 100: a larger limit is drawn at that resolution).
      var shown = Math.min(w.limit, 100), scale = shown / w.limit;
      if (slots.children.length !== shown) {
        var cells = "";
        for (var i = 0; i < shown; i++) cells += "<span class=\"slot\"></span>";
        slots.innerHTML = cells;
      }
      for (var j = 0; j < slots.children.length; j++) slots.children[j].className = "slot" + (j < Math.ceil(used * scale) ? " used" : "");
      slots.className = "slots" + (storm ? " storm" : used >= w.limit ? " full" : used >= w.limit * 0.75 ? " busy" : "");
      card.querySelector("[data-field=\"window-label\"]").textContent = !w.enabled ? "rate limit off" : storm
        ? "429 storm, " + ms(w.stormUntil - now) + " left"
        : "window " + ms(w.windowMs) + (resetIn !== null ? " · a slot frees in " + ms(Math.max(0, resetIn)) : "");
      card.querySelector("[data-field=\"window-used\"]").textContent = w.enabled ? used + " / " + w.limit : "–";
    });
  }

  // ---- tiles ---------------------------------------------------------------------------
  function tile(label, value, color, opts) {
    opts = opts || {};
    return "<div class=\"tile" + (opts.selected ? " selected" : "") + "\" data-testid=\"tile-" + esc(opts.id || label) + "\">" +
      (opts.filter !== undefined ? "<button data-filter=\"" + esc(opts.filter) + "\" aria-label=\"filter " + esc(label) + "\"></button>" : "") +
      "<div class=\"label\"><span class=\"dot " + color + "\"></span>" + esc(label) + "</div>" +
      "<div class=\"value " + (opts.valueColor || "c-text") + "\" data-testid=\"count-" + esc(opts.id || label) + "\">" + esc(value) + "</div>" +
      (opts.share !== undefined ? "<div class=\"bar " + color + "\" style=\"width:" + Math.round(opts.share * 100) + "%\"></div>" : "") +
      "</div>";
  }
  function renderTiles() {
    var s = S.summary, e = s.enrichments, total = e.byStatus["in-progress"] + e.byStatus.done + e.byStatus.error;
    var f = S.enr.status;
    $("enrichment-tiles").innerHTML =
      tile("all", fmt(total), "c-accent", { id: "all", filter: "", selected: f === "" }) +
      tile("in progress", fmt(e.byStatus["in-progress"]), "c-amber", { id: "in-progress", filter: "in-progress", selected: f === "in-progress", share: total ? e.byStatus["in-progress"] / total : 0 }) +
      tile("done", fmt(e.byStatus.done), "c-green", { id: "done", filter: "done", selected: f === "done", share: total ? e.byStatus.done / total : 0 }) +
      tile("error", fmt(e.byStatus.error), "c-red", { id: "error", filter: "error", selected: f === "error", share: total ? e.byStatus.error / total : 0 }) +
      tile("credits spent", fmt(s.teams.reduce(function (a, t) { return a + t.stats.creditsSpent; }, 0)), "c-blue", { id: "credits-spent" });
    var d = s.deliveries;
    $("webhook-tiles").innerHTML =
      tile("attempts", fmt(d.retained), "c-accent", { id: "attempts" }) +
      tile("delivered", fmt(d.delivered), "c-green", { id: "delivered" }) +
      tile("failed", fmt(d.failed), "c-red", { id: "failed", valueColor: d.failed ? "c-red" : "c-text" }) +
      tile("retries", fmt(d.retries), "c-amber", { id: "retries" }) +
      tile("latency p50", ms(d.latency.p50), "c-blue", { id: "p50" }) +
      tile("latency p95", ms(d.latency.p95), "c-blue", { id: "p95" });
    var r = s.requests.byClass;
    $("request-tiles").innerHTML =
      tile("requests", fmt(s.requests.seq), "c-accent", { id: "requests" }) +
      tile("2xx", fmt(r["2xx"]), "c-green", { id: "2xx" }) +
      tile("4xx", fmt(r["4xx"]), "c-amber", { id: "4xx" }) +
      tile("429", fmt(r["429"]), "c-amber", { id: "429" }) +
      tile("5xx", fmt(r["5xx"]), "c-red", { id: "5xx", valueColor: r["5xx"] ? "c-red" : "c-text" }) +
      tile("connection faults", fmt(r.connection), "c-red", { id: "connection" });
    $("tab-enrichments").textContent = fmt(total);
    $("tab-webhooks").textContent = fmt(d.seq);
    $("tab-requests").textContent = fmt(s.requests.seq);
  }

  // ---- enrichments ---------------------------------------------------------------------
  var statusBadge = { "in-progress": "b-amber", done: "b-green", error: "b-red" };
  function loadEnrichments() {
    var e = S.enr;
    if (e.loading) { e.again = true; return; }
    e.loading = true;
    e.loadedAt = Date.now();
    var version = S.summary ? S.summary.enrichments.version : -1;
    var q = "?limit=" + showRows + (e.status ? "&status=" + encodeURIComponent(e.status) : "") + (e.q ? "&q=" + encodeURIComponent(e.q) : "");
    api("GET", "/enrichments" + q).then(function (r) {
      e.rows = r.json.slice().reverse();
      e.total = Number(r.res.headers.get("x-total-count") || r.json.length);
      e.version = version;
      renderEnrichments();
    }).catch(function (err) { toast("enrichments: " + err.message, true); }).then(function () {
      e.loading = false;
      if (e.again) { e.again = false; loadEnrichments(); }
    });
  }
  function renderEnrichments() {
    var e = S.enr, body = $("enrichments").tBodies[0];
    $("enr-shown").textContent = e.total > e.rows.length ? "newest " + fmt(e.rows.length) + " of " + fmt(e.total) : fmt(e.total) + " shown";
    if (!e.rows.length) {
      body.innerHTML = e.q || e.status
        ? empty(8, "No enrichment matches", "Try another search or status.")
        : empty(8, "No enrichments yet", "POST " + "/api/v2/enrichments/bulk with this mock's API key, and they appear here as they run.");
      return;
    }
    body.innerHTML = e.rows.map(function (x) {
      var took = x.completedAt !== undefined ? ms(x.completedAt - x.createdAt) : "<span class=\"c-muted\">" + ms(Math.max(0, x.completesAt - mockNow())) + " left</span>";
      var i = x.input, name = [i.firstName, i.lastName].filter(Boolean).join(" ");
      var inputText = [name, i.email, i.companyName || i.companyDomain, i.linkedinUrl].filter(Boolean).join(" · ");
      return "<tr data-id=\"" + esc(x.id) + "\"><td class=\"mono\">" + esc(x.id) + "</td><td class=\"nowrap\">" + teamLabel(x.teamId) + "</td><td>" +
        x.types.map(function (t) { return "<span class=\"chip\">" + esc(t) + "</span>"; }).join("") + "</td>" +
        "<td><span class=\"badge " + statusBadge[x.status] + "\">" + esc(x.status) + "</span>" + (x.errorCode ? " <span class=\"mono c-red\">" + esc(x.errorCode) + "</span>" : "") + "</td>" +
        "<td class=\"mono trunc\" title=\"" + esc(x.metadata === undefined ? "" : JSON.stringify(x.metadata)) + "\">" + (x.metadata === undefined ? "<span class=\"c-muted\">–</span>" : esc(JSON.stringify(x.metadata))) + "</td>" +
        "<td class=\"trunc\" title=\"" + esc(inputText) + "\">" + esc(inputText) + "</td>" +
        "<td class=\"num\" title=\"created " + clock(x.createdAt) + " (" + ago(x.createdAt) + ")\">" + took + "</td><td class=\"num\">" + fmt(x.creditsCharged) + "</td></tr>";
    }).join("");
  }

  // ---- webhooks ------------------------------------------------------------------------
  function renderDeliveries() {
    var failedOnly = $("del-failed").checked;
    var matching = failedOnly ? S.deliveries.filter(function (d) { return !d.ok; }) : S.deliveries;
    var body = $("deliveries").tBodies[0], rows = matching.slice(0, showRows);
    $("del-shown").textContent = matching.length > rows.length ? "newest " + fmt(rows.length) + " of " + fmt(matching.length) : fmt(matching.length) + " shown";
    if (!rows.length && S.deliveries.length) {
      body.innerHTML = empty(8, "No failed attempt", "Every delivery kept here got a 2xx.");
      return;
    }
    if (!rows.length) {
      body.innerHTML = empty(8, "No webhook deliveries yet", "Give a bulk call ?webhookUrl=http://127.0.0.1:PORT/… or register a hook (POST /api/hooks): each completed enrichment is POSTed there.");
      return;
    }
    body.innerHTML = rows.map(function (d) {
      var item = d.body && d.body.data && d.body.data[0];
      var result = d.ok ? "<span class=\"badge b-green\">" + d.status + "</span>"
        : d.status !== null ? "<span class=\"badge b-red\">" + d.status + "</span>"
        : "<span class=\"badge b-muted\">no answer</span>";
      var why = (d.fault ? "<span class=\"badge b-accent\">" + esc(d.fault) + "</span> " : "") + (d.error ? "<span class=\"c-red\">" + esc(d.error) + "</span>" : "");
      return "<tr data-ok=\"" + d.ok + "\"><td class=\"time\">" + clock(d.time) + "</td><td class=\"mono trunc\" title=\"" + esc(d.url) + "\">" + esc(d.url) + "</td>" +
        "<td>" + esc(d.body ? d.body.type : "") + "</td><td class=\"mono\">" + esc(item ? item.id : "") + "</td>" +
        "<td class=\"num\">" + (d.attempt > 1 ? "<span class=\"badge b-amber\">" + d.attempt + "</span>" : d.attempt) + "</td>" +
        "<td>" + result + "</td><td class=\"num\">" + (d.durationMs === undefined ? "–" : ms(d.durationMs)) + "</td><td>" + (why || "<span class=\"c-muted\">–</span>") + "</td></tr>";
    }).join("");
  }

  // ---- requests ------------------------------------------------------------------------
  function requestClass(r) {
    return r.status === 0 ? "connection" : r.status === 429 ? "429" : r.status >= 500 ? "5xx" : r.status >= 400 ? "4xx" : "2xx";
  }
  var classBadge = { "2xx": "b-green", "4xx": "b-amber", "429": "b-amber", "5xx": "b-red", connection: "b-red" };
  function renderRequests() {
    var route = $("req-route").value, cls = $("req-class").value, team = $("req-team").value, faults = $("req-faults").checked;
    var matching = S.requests.filter(function (r) {
      return (!route || r.route === route) && (!cls || requestClass(r) === cls) && (!team || r.teamId === team) && (!faults || r.fault);
    });
    var rows = matching.slice(0, showRows), body = $("requests").tBodies[0];
    $("req-shown").textContent = matching.length > rows.length ? "newest " + fmt(rows.length) + " of " + fmt(matching.length) : fmt(matching.length) + " shown";
    if (!rows.length) {
      body.innerHTML = S.requests.length
        ? empty(8, "No request matches these filters", "")
        : empty(8, "No requests yet", "Point a client at " + location.origin + "/api and its calls show here, newest first.");
      return;
    }
    body.innerHTML = rows.map(function (r) {
      var c = requestClass(r);
      return "<tr data-status=\"" + r.status + "\"><td class=\"time\">" + clock(r.time) + "</td><td class=\"mono\">" + esc(r.method) + "</td>" +
        "<td class=\"mono trunc\" title=\"" + esc(r.path) + "\">" + esc(r.path) + "</td><td>" + (r.route ? "<span class=\"chip\">" + esc(r.route) + "</span>" : "<span class=\"c-muted\">–</span>") + "</td>" +
        "<td><span class=\"badge " + classBadge[c] + "\">" + (r.status === 0 ? "no answer" : r.status) + "</span></td><td>" + teamLabel(r.teamId) + "</td>" +
        "<td>" + (r.fault ? "<span class=\"badge b-red\">" + esc(r.fault) + "</span>" : "<span class=\"c-muted\">–</span>") + "</td>" +
        "<td class=\"num\">" + (r.created ? fmt(r.created) : "") + "</td></tr>";
    }).join("");
  }
  function fillSelect(el, values, labels) {
    var current = el.value, first = el.options[0].outerHTML;
    var html = first + values.map(function (v, i) { return "<option value=\"" + esc(v) + "\">" + esc(labels ? labels[i] : v) + "</option>"; }).join("");
    if (el.dataset.html !== html) { el.innerHTML = html; el.dataset.html = html; el.value = current; }
  }

  // ---- knobs ---------------------------------------------------------------------------
  function faultRow(spec) {
    return "<div class=\"fault\" data-fault=\"" + spec[0] + "\"><div class=\"name\" title=\"" + esc(spec[0] + ": " + spec[2]) + "\">" + esc(spec[1]) + "</div>" +
      "<input type=\"range\" min=\"0\" max=\"100\" step=\"1\" aria-label=\"" + spec[0] + " probability\">" +
      "<input type=\"number\" min=\"0\" max=\"100\" step=\"1\" aria-label=\"" + spec[0] + " percent\" data-testid=\"fault-" + spec[0] + "\"><span class=\"pct\">%</span></div>";
  }
  function setFault(name, percent) {
    var p = Math.min(100, Math.max(0, Number(percent) || 0)) / 100, faults = {};
    faults[name] = p;
    api("PUT", "/options", { faults: faults }).then(function () {
      toast(name + " set to " + Math.round(p * 100) + " %");
    }).catch(function (err) { toast(err.message, true); });
  }
  function initKnobs() {
    $("faults-request").innerHTML = requestFaults.map(faultRow).join("");
    $("faults-webhook").innerHTML = webhookFaults.map(faultRow).join("");
    Array.prototype.forEach.call(document.querySelectorAll(".fault"), function (row) {
      var name = row.dataset.fault, range = row.querySelector("input[type=range]"), num = row.querySelector("input[type=number]");
      range.addEventListener("input", function () { num.value = range.value; });
      range.addEventListener("change", function () { setFault(name, range.value); });
      num.addEventListener("change", function () { range.value = num.value; setFault(name, num.value); });
    });
    fillSelect($("inject-route"), routes);
    fillSelect($("req-route"), routes);
    $("lat-apply").addEventListener("click", function () {
      var min = Number($("lat-min").value), max = Number($("lat-max").value);
      api("PUT", "/options", { latency: { minMs: min, maxMs: max } }).then(function () { toast("latency " + min + "–" + max + " ms"); })
        .catch(function (err) { toast(err.message, true); });
    });
    $("rate-enabled").addEventListener("change", function () {
      api("PUT", "/options", { rateLimit: { enabled: $("rate-enabled").checked } }).catch(function (err) { toast(err.message, true); });
    });
    $("inject").addEventListener("click", function () {
      var v = $("inject-fault").value.split(":"), spec = { fault: v[0], times: Number($("inject-times").value) || 1 };
      if (v[1]) spec.status = Number(v[1]);
      if ($("inject-route").value) spec.route = $("inject-route").value;
      api("POST", "/faults", spec).then(function () { toast("queued: " + $("inject-fault").selectedOptions[0].textContent); })
        .catch(function (err) { toast(err.message, true); });
    });
    $("complete").addEventListener("click", function () {
      api("POST", "/complete").then(function (r) { toast(r.json.completed + " enrichment(s) completed"); }).catch(function (err) { toast(err.message, true); });
    });
    $("reset").addEventListener("click", function () {
      if (!confirm("Reset the mock? Every enrichment, record and counter is cleared.")) return;
      api("POST", "/reset").then(function () { toast("mock reset"); }).catch(function (err) { toast(err.message, true); });
    });
  }
  function renderKnobs() {
    var o = S.summary.options, focused = document.activeElement;
    function put(el, v) { if (el !== focused) el.value = v; }
    var lat = typeof o.latency === "number" ? { minMs: o.latency, maxMs: o.latency } : o.latency;
    put($("lat-min"), lat.minMs);
    put($("lat-max"), lat.maxMs);
    $("rate-enabled").checked = o.rateLimit.enabled;
    $("rate-text").textContent = o.rateLimit.enabled ? o.rateLimit.limit + " requests / " + ms(o.rateLimit.windowMs) + " per key (" + o.rateLimit.algorithm + ")" : "off";
    Array.prototype.forEach.call(document.querySelectorAll(".fault"), function (row) {
      var p = Math.round((o.faults[row.dataset.fault] || 0) * 100);
      put(row.querySelector("input[type=range]"), p);
      put(row.querySelector("input[type=number]"), p);
      row.className = "fault" + (p > 0 ? " active" : "");
    });
    var q = S.summary.injected;
    $("injected").innerHTML = q.map(function (f) {
      return "<li><span>" + esc(f.fault) + (f.status ? " " + f.status : "") + " → " + esc(f.route || "any route") + "</span><b>× " + f.left + "</b></li>";
    }).join("");
    $("seed").textContent = o.seed;
  }

  // ---- feed ----------------------------------------------------------------------------
  function render() {
    var s = S.summary;
    $("now").textContent = clock(s.now);
    renderTeams();
    renderTiles();
    renderKnobs();
    fillSelect($("req-team"), s.teams.map(function (t) { return t.teamId; }), s.teams.map(function (t, i) { return "key " + (i + 1) + " (" + t.teamId.slice(0, 10) + "…)"; }));
    if (S.tab === "webhooks") renderDeliveries();
    if (S.tab === "requests") renderRequests();
    if (s.enrichments.version !== S.enr.version) reloadEnrichments();
  }
  // During a run enrichments change on every push: the list is asked again at most twice a second.
  function reloadEnrichments() {
    var wait = S.enr.loadedAt + 500 - Date.now();
    if (wait <= 0) return loadEnrichments();
    if (!S.enr.timer) S.enr.timer = setTimeout(function () { S.enr.timer = 0; loadEnrichments(); }, wait);
  }
  function take(list, fresh, keep) {
    for (var i = 0; i < fresh.length; i++) list.unshift(fresh[i]);
    if (list.length > keep) list.length = keep;
  }
  function onFeed(kind, data) {
    if (kind === "snapshot") { S.requests = []; S.deliveries = []; S.enr.version = -1; }
    take(S.requests, data.requests, keepRequests);
    take(S.deliveries, data.deliveries, keepDeliveries);
    S.summary = data.summary;
    S.receivedAt = Date.now();
    document.body.dataset.requestsSeq = String(data.summary.requests.seq);
    render();
  }
  function connect() {
    var es = new EventSource(base + "/events");
    var conn = $("conn");
    es.addEventListener("snapshot", function (e) { onFeed("snapshot", JSON.parse(e.data)); });
    es.addEventListener("update", function (e) { onFeed("update", JSON.parse(e.data)); });
    es.onopen = function () { conn.textContent = "live"; conn.className = "pill on"; };
    es.onerror = function () { conn.textContent = "reconnecting…"; conn.className = "pill off"; };
  }

  document.querySelectorAll(".tab").forEach(function (b) {
    b.addEventListener("click", function () {
      S.tab = b.dataset.tab;
      document.querySelectorAll(".tab").forEach(function (x) { x.classList.toggle("active", x === b); });
      ["enrichments", "webhooks", "requests"].forEach(function (t) { $("panel-" + t).classList.toggle("hidden", t !== S.tab); });
      if (S.summary) render();
    });
  });
  $("enrichment-tiles").addEventListener("click", function (e) {
    var f = e.target.dataset && e.target.dataset.filter;
    if (f === undefined) return;
    S.enr.status = f;
    $("enr-status").value = f;
    renderTiles();
    loadEnrichments();
  });
  var typing;
  $("enr-q").addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(function () { S.enr.q = $("enr-q").value.trim(); loadEnrichments(); }, 200);
  });
  $("enr-status").addEventListener("change", function () { S.enr.status = $("enr-status").value; renderTiles(); loadEnrichments(); });
  ["req-route", "req-class", "req-team", "req-faults"].forEach(function (id) { $(id).addEventListener("change", renderRequests); });
  $("del-failed").addEventListener("change", renderDeliveries);
  setInterval(function () {
    if (!S.summary) return;
    renderWindows();
    $("now").textContent = clock(mockNow());
  }, 250);
  initKnobs();
  connect();
})();
`
