/**
 * The dashboard's stylesheet (inline in the page).
 *
 * @internal
 */
export const dashboardStyle = String.raw`
:root {
  --bg: #f4f5fa; --card: #fff; --line: #e4e6ef; --text: #1c2236; --muted: #6b7289; --soft: #f7f8fc;
  --accent: #6d5efc; --accent-soft: #efedff; --green: #15994a; --green-soft: #e5f6ec; --amber: #c77a06;
  --amber-soft: #fdf2dc; --red: #d33a3a; --red-soft: #fde8e8; --blue: #2f6fe4; --blue-soft: #e6eefd;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
button, input, select { font: inherit; color: inherit; }
.top { position: sticky; top: 0; z-index: 5; display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #161a2e; color: #eef0fa; box-shadow: 0 1px 0 rgba(0,0,0,.2); }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 16px; }
.brand .sub { color: #9aa0bd; font-weight: 400; }
.logo { display: inline-grid; place-items: center; width: 26px; height: 26px; border-radius: 7px; background: var(--accent); color: #fff; font-weight: 800; }
.status { display: flex; align-items: center; gap: 18px; flex: 1; }
.meta { color: #9aa0bd; font-size: 13px; }
.meta b { color: #eef0fa; font-weight: 550; font-variant-numeric: tabular-nums; }
.pill { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.pill.on { background: rgba(21,153,74,.18); color: #4ade80; }
.pill.on::before { animation: pulse 2s infinite; }
.pill.off { background: rgba(211,58,58,.2); color: #fca5a5; }
@keyframes pulse { 50% { opacity: .35; } }
.actions { display: flex; gap: 8px; }
.btn { border: 1px solid transparent; border-radius: 8px; padding: 6px 12px; cursor: pointer; background: var(--accent); color: #fff; font-weight: 560; }
.btn:hover { filter: brightness(1.08); }
.btn.light { background: #2a3050; color: #eef0fa; border-color: #394066; }
.btn.ghost { background: transparent; color: #c5c9de; border-color: #394066; }
.btn.small { padding: 4px 10px; font-size: 13px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: 20px; padding: 18px 24px 40px; align-items: start; }
.section-title { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 2px 0 10px; font-weight: 650; }
.section-title .hint { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 6px; }
.hint { color: var(--muted); font-size: 12.5px; font-weight: 400; }
.teams { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; margin-bottom: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 16px; box-shadow: 0 1px 2px rgba(20,24,50,.04); }
.team-head { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.team-id { font-family: var(--mono); font-size: 12.5px; color: var(--muted); }
.fp { font-family: var(--mono); font-size: 12px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 1px 6px; color: var(--muted); }
.credits { display: flex; align-items: baseline; gap: 8px; margin: 8px 0 2px; }
.credits b { font-size: 26px; font-weight: 700; letter-spacing: -.01em; font-variant-numeric: tabular-nums; }
.credits span { color: var(--muted); font-size: 13px; }
.link { all: unset; cursor: pointer; margin-left: auto; color: var(--accent); font-size: 12.5px; font-weight: 560; }
.link:hover { text-decoration: underline; }
.credit-form { display: flex; gap: 6px; margin: 6px 0 2px; }
.credit-form input { width: 130px; }
.btn.quiet { background: transparent; color: var(--muted); border-color: var(--line); }
.window { margin: 10px 0 8px; }
.window-head { display: flex; justify-content: space-between; font-size: 12.5px; color: var(--muted); margin-bottom: 5px; }
.window-head b { color: var(--text); font-variant-numeric: tabular-nums; }
.slots { display: grid; grid-auto-flow: column; grid-auto-columns: 1fr; gap: 3px; height: 14px; }
.slot { border-radius: 3px; background: #eceef6; transition: background .2s; }
.slot.used { background: var(--green); }
.slots.busy .slot.used { background: var(--amber); }
.slots.full .slot.used, .slots.storm .slot { background: var(--red); }
.kv { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px 12px; margin-top: 10px; }
.kv div { font-size: 12px; color: var(--muted); }
.kv b { display: block; font-size: 15px; color: var(--text); font-variant-numeric: tabular-nums; }
.kv .bad b { color: var(--red); }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin-bottom: 14px; }
.tab { border: 0; background: none; padding: 9px 14px; cursor: pointer; color: var(--muted); font-weight: 580; border-bottom: 2px solid transparent; margin-bottom: -1px; }
.tab.active { color: var(--accent); border-bottom-color: var(--accent); }
.tab .count { display: inline-block; min-width: 22px; padding: 0 6px; border-radius: 999px; background: #e9eaf3; color: var(--muted); font-size: 12px; text-align: center; font-variant-numeric: tabular-nums; }
.tab.active .count { background: var(--accent-soft); color: var(--accent); }
.hidden { display: none !important; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin-bottom: 12px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; position: relative; overflow: hidden; }
.tile button { all: unset; cursor: pointer; position: absolute; inset: 0; }
.tile .label { font-size: 12px; color: var(--muted); display: flex; align-items: center; gap: 6px; }
.tile .value { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; margin-top: 2px; }
.tile.selected { outline: 2px solid var(--accent); outline-offset: -2px; }
.tile .bar { position: absolute; left: 0; bottom: 0; height: 3px; background: currentColor; opacity: .8; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: currentColor; display: inline-block; }
.c-green { color: var(--green); } .c-amber { color: var(--amber); } .c-red { color: var(--red); } .c-blue { color: var(--blue); } .c-muted { color: var(--muted); } .c-accent { color: var(--accent); }
.tile .value.c-text { color: var(--text); }
.toolbar { display: flex; gap: 8px; align-items: center; margin-bottom: 10px; flex-wrap: wrap; }
.toolbar input[type=search] { flex: 1; min-width: 240px; }
input[type=search], input[type=number], select { border: 1px solid var(--line); background: var(--card); border-radius: 8px; padding: 6px 9px; outline: none; }
input:focus, select:focus { border-color: var(--accent); box-shadow: 0 0 0 3px var(--accent-soft); }
.check { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; color: var(--muted); }
.table-wrap { background: var(--card); border: 1px solid var(--line); border-radius: 12px; overflow: auto; max-height: 560px; }
table.grid { width: 100%; border-collapse: collapse; font-size: 13px; }
.grid th { position: sticky; top: 0; background: var(--soft); text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 8px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
.grid td { padding: 7px 10px; border-bottom: 1px solid #f0f1f6; vertical-align: top; }
.grid tr:last-child td { border-bottom: 0; }
.grid tbody tr:hover td { background: #fafaff; }
.grid .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.grid .time { font-variant-numeric: tabular-nums; white-space: nowrap; color: #454c66; }
.grid .nowrap { white-space: nowrap; }
.mono { font-family: var(--mono); font-size: 12px; }
.trunc { max-width: 180px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.b-green { background: var(--green-soft); color: var(--green); } .b-amber { background: var(--amber-soft); color: var(--amber); }
.b-red { background: var(--red-soft); color: var(--red); } .b-blue { background: var(--blue-soft); color: var(--blue); }
.b-muted { background: #eef0f5; color: var(--muted); } .b-accent { background: var(--accent-soft); color: var(--accent); }
.chip { display: inline-block; white-space: nowrap; padding: 0 6px; margin: 0 3px 2px 0; border-radius: 5px; background: #f0f1f8; color: #4b5270; font-size: 11.5px; font-family: var(--mono); }
.empty td { text-align: center; color: var(--muted); padding: 36px 10px; background: var(--card) !important; }
.empty .big { font-size: 15px; color: var(--text); margin-bottom: 4px; }
.knobs { position: sticky; top: 64px; display: flex; flex-direction: column; gap: 12px; }
.knobs h3 { margin: 0 0 6px; font-size: 14px; }
.knobs h4 { margin: 14px 0 6px; font-size: 13px; }
.knobs p.hint { margin: 0 0 8px; }
.row { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; flex-wrap: wrap; }
.row label { font-size: 12.5px; color: var(--muted); display: inline-flex; align-items: center; gap: 5px; }
.row input[type=number] { width: 68px; }
#inject-times { width: 54px; }
.fault { display: grid; grid-template-columns: minmax(0, 1fr) 74px 50px 12px; align-items: center; gap: 6px; margin: 3px 0; }
.fault .name { font-size: 12.5px; cursor: help; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fault .pct { font-size: 12px; color: var(--muted); }
.fault input[type=range] { width: 100%; accent-color: var(--accent); }
.fault input[type=number] { width: 50px; padding: 2px 4px; text-align: right; font-size: 12.5px; }
.fault.active .name { color: var(--red); font-weight: 600; }
.switch { display: inline-flex; align-items: center; gap: 10px; cursor: pointer; font-size: 13px; }
.switch input { display: none; }
.switch span { width: 36px; height: 20px; border-radius: 999px; background: #d5d8e6; position: relative; transition: background .2s; }
.switch span::after { content: ""; position: absolute; top: 2px; left: 2px; width: 16px; height: 16px; border-radius: 50%; background: #fff; transition: left .2s; box-shadow: 0 1px 2px rgba(0,0,0,.2); }
.switch input:checked + span { background: var(--green); }
.switch input:checked + span::after { left: 18px; }
.queue { list-style: none; margin: 0; padding: 0; font-size: 12.5px; }
.queue li { display: flex; justify-content: space-between; padding: 4px 0; border-top: 1px dashed var(--line); }
.toast { min-height: 20px; margin: 0; font-size: 12.5px; color: var(--muted); }
.toast.error { color: var(--red); }
@media (max-width: 1000px) { .layout { grid-template-columns: 1fr; } .knobs { position: static; } }
`
