/* fleetlink web app: one script for every page, picked by <body data-page>.
   Reads /app/api/* (same origin only); live data by polling (docs/web.md says why). */
"use strict";
(function () {
  const body = document.body;
  const PAGE = body.dataset.page;
  const MAP = JSON.parse(body.dataset.map || "{}");
  const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const POLL_MS = 5000;

  // ---- units, remembered in this browser -------------------------------------------------
  const UNITS_KEY = "fleetlink.units";
  let imperial = localStorage.getItem(UNITS_KEY) === "imperial";
  const KM_PER_MILE = 1.609344;
  const unitsButton = document.getElementById("units");
  function showUnits() { if (unitsButton) unitsButton.textContent = imperial ? "mi · °F" : "km · °C"; }
  if (unitsButton) unitsButton.addEventListener("click", () => {
    imperial = !imperial;
    localStorage.setItem(UNITS_KEY, imperial ? "imperial" : "metric");
    showUnits();
    document.dispatchEvent(new Event("units"));
  });
  showUnits();
  function dist(km) { return km == null ? "–" : imperial ? `${(km / KM_PER_MILE).toFixed(1)} mi` : `${km.toFixed(1)} km`; }
  function speed(kmh) { return kmh == null ? "–" : imperial ? `${(kmh / KM_PER_MILE).toFixed(0)} mph` : `${kmh.toFixed(0)} km/h`; }
  function speedValue(kmh) { return imperial ? kmh / KM_PER_MILE : kmh; }
  function temp(c) { return c == null ? "–" : imperial ? `${(c * 9 / 5 + 32).toFixed(0)} °F` : `${c.toFixed(1)} °C`; }
  function pct(v) { return v == null ? "–" : `${Math.round(v)} %`; }
  const LITRES_PER_US_GALLON = 3.785411784;
  function kwh(v) { return v == null ? "–" : `${v.toFixed(1)} kWh`; }
  function kw(v) { return v == null ? "–" : `${v.toFixed(1)} kW`; }
  function litres(l) { return l == null ? "–" : imperial ? `${(l / LITRES_PER_US_GALLON).toFixed(1)} gal` : `${l.toFixed(1)} l`; }
  // Electricity per distance (kWh stay kWh); fuel as l/100 km, or US miles per gallon.
  function perDistance(kwhPer100Km) { return imperial ? `${(kwhPer100Km * KM_PER_MILE).toFixed(1)} kWh/100 mi` : `${kwhPer100Km.toFixed(1)} kWh/100 km`; }
  function fuelEconomy(lPer100Km) { return imperial ? `${(100 * KM_PER_MILE / LITRES_PER_US_GALLON / lPer100Km).toFixed(1)} mpg` : `${lPer100Km.toFixed(1)} l/100 km`; }
  function duration(s) { const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60); return h ? `${h} h ${m} min` : `${m} min`; }

  // ---- small helpers -----------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("data-")) node.setAttribute(k, v); else node[k] = v;
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  }
  function age(iso) {
    if (!iso) return "never";
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (s < 60) return `${Math.round(s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : "–"; }
  async function api(path, options) {
    const init = Object.assign({ headers: {}, credentials: "same-origin" }, options || {});
    if (init.method && init.method !== "GET") {
      init.headers["x-csrf-token"] = CSRF;
      init.headers["content-type"] = "application/json";
    }
    const response = await fetch(path, init);
    if (response.status === 401) { location.href = "/sign-in"; throw new Error("signed out"); }
    const data = await response.json();
    if (!response.ok) throw new Error(data.detail || data.error || response.statusText);
    return data;
  }
  // The page's first data, embedded by the server: taken once, instead of a first fetch.
  const firstNode = document.getElementById("first-data");
  let first = firstNode ? JSON.parse(firstNode.textContent) : null;
  function takeFirst() { const data = first; first = null; return data; }
  let polls = 0;
  function every(ms, fn) {
    let timer = null;
    const tick = async () => {
      try { await fn(); body.dataset.polls = String(++polls); } catch (e) { console.warn(e); }
      timer = setTimeout(tick, ms);
    };
    tick();
    return () => clearTimeout(timer);
  }

  // ---- the basemap: Natural Earth outlines from fleetlink itself, or a configured tile server
  function baseMap(id) {
    const map = L.map(id, { worldCopyJump: true }).setView([30, 0], 2);
    if (MAP.tiles) {
      L.tileLayer(MAP.tiles, { attribution: MAP.attribution || "", maxZoom: 19 }).addTo(map);
    } else {
      map.attributionControl.addAttribution("Natural Earth (world-atlas)");
      fetch("/static/vendor/world-atlas/countries-110m.json").then(r => r.json()).then(topo => {
        const land = topojson.feature(topo, topo.objects.countries);
        // Antarctica (010) wraps the whole globe, and rings that cross the antimeridian
        // (Chukotka, Fiji) would be drawn across the map: leave out the one, unwrap the others.
        land.features = land.features.filter(f => f.id !== "010");
        const unwrap = ring => ring.some(p => p[0] > 170) && ring.some(p => p[0] < -170)
          ? ring.map(p => (p[0] < 0 ? [p[0] + 360, p[1]] : p)) : ring;
        for (const f of land.features) {
          const g = f.geometry;
          if (g && g.type === "Polygon") g.coordinates = g.coordinates.map(unwrap);
          if (g && g.type === "MultiPolygon") g.coordinates = g.coordinates.map(poly => poly.map(unwrap));
        }
        L.geoJSON(land, { interactive: false, style: { color: "#8a9aa8", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 } })
          .addTo(map).bringToBack();
      });
    }
    return map;
  }
  const COLOURS = { driving: "#1a7f37", parked: "#0b5cad", charging: "#d4a017", asleep: "#7b61c9", offline: "#777" };

  // ---- fleet map ---------------------------------------------------------------------------
  function fleetPage() {
    const map = baseMap("map");
    const markers = new Map();
    const list = document.getElementById("fleet");
    let fitted = false;
    async function refresh() {
      const { vehicles } = takeFirst() || await api("/app/api/vehicles");
      list.replaceChildren(...vehicles.map(v => el("li", { "data-vin": v.vin, "data-activity": v.activity },
        el("i", { class: `dot ${v.activity}`, title: v.activity }),
        el("a", { href: `/vehicles/${encodeURIComponent(v.vin)}` }, v.name),
        el("span", { class: "muted" }, ` ${v.activity}${v.socPct != null ? " · " + pct(v.socPct) : ""}`))));
      const points = [];
      for (const v of vehicles) {
        if (!v.position) continue;
        const at = [v.position.lat, v.position.lon];
        points.push(at);
        let marker = markers.get(v.vin);
        const style = { radius: 8, color: "#fff", weight: 2, fillColor: COLOURS[v.activity], fillOpacity: 0.95 };
        if (!marker) {
          marker = L.circleMarker(at, style).addTo(map);
          marker.on("click", () => { location.href = `/vehicles/${encodeURIComponent(v.vin)}`; });
          markers.set(v.vin, marker);
        } else {
          marker.setLatLng(at).setStyle(style);
        }
        marker.bindTooltip(`${v.name} · ${v.activity}`);
        marker.getElement && marker.getElement() && marker.getElement().setAttribute("data-vin", v.vin);
      }
      if (!fitted && points.length) { map.fitBounds(points, { padding: [30, 30], maxZoom: 12 }); fitted = true; }
      body.dataset.vehicles = String(vehicles.length);
      body.dataset.markers = String(markers.size);
      document.getElementById("updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    }
    every(POLL_MS, refresh);
  }

  // ---- vehicle page ------------------------------------------------------------------------
  function part(title, at, rows) {
    return el("section", {}, el("h2", {}, title),
      el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("p", { class: "muted" }, at ? `reported ${when(at)} (${age(at)})` : "never reported"));
  }
  // A padlock drawn here, not an emoji: no font on the machine need have one.
  function padlock(closed) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "22"); svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true"); svg.setAttribute("class", closed ? "padlock closed" : "padlock open");
    const shackle = document.createElementNS(ns, "path");
    shackle.setAttribute("d", closed ? "M7 11V8a5 5 0 0 1 10 0v3" : "M7 11V8a5 5 0 0 1 9.6-2");
    shackle.setAttribute("fill", "none"); shackle.setAttribute("stroke", "currentColor"); shackle.setAttribute("stroke-width", "2.2");
    const bodyRect = document.createElementNS(ns, "rect");
    bodyRect.setAttribute("x", "4.5"); bodyRect.setAttribute("y", "11"); bodyRect.setAttribute("width", "15");
    bodyRect.setAttribute("height", "10"); bodyRect.setAttribute("rx", "2"); bodyRect.setAttribute("fill", "currentColor");
    svg.append(shackle, bodyRect);
    return svg;
  }
  function vehiclePage() {
    const vin = body.dataset.vin;
    const parts = document.getElementById("parts");
    let last = null;
    function draw() {
      const v = last;
      if (!v) return;
      document.getElementById("summary").textContent =
        `${v.model} · ${v.powertrain} · ${v.activity} · modem ${v.connection}, last connected ${age(v.lastConnectedAt)}`;
      const s = v.state;
      if (!s) { parts.replaceChildren(el("p", {}, "This vehicle has not reported yet.")); return; }
      const locked = s.status.locked;
      const lock = locked == null ? el("span", { id: "lock-state", "data-locked": "unknown" }, "not reported")
        : el("span", { class: "lock-icon", id: "lock-state", "data-locked": String(locked) }, padlock(locked), locked ? " Locked" : " Unlocked");
      const listed = (names) => names == null ? "not reported" : names.join(", ") || "none";
      const e = s.energy;
      const energyRows = [];
      if (e.socPct != null) energyRows.push(["Battery", pct(e.socPct)], ["Electric range", dist(e.batteryRangeKm)]);
      if (e.fuelPct != null) energyRows.push(["Fuel", pct(e.fuelPct)], ["Fuel range", dist(e.fuelRangeKm)]);
      if (e.totalRangeKm != null) energyRows.push(["Total range", dist(e.totalRangeKm)]);
      const sections = [
        part("Status", s.status.at, [["Doors", lock], ["Open doors", listed(s.status.doorsOpen)],
          ["Open windows", listed(s.status.windowsOpen)], ["Ignition", s.status.ignitionOn == null ? "not reported" : s.status.ignitionOn ? "on" : "off"],
          ["Speed", speed(s.status.speedKmh)], ["Odometer", dist(s.status.odometerKm)]]),
        part("Battery and fuel", e.at, energyRows.length ? energyRows : [["Energy", "not reported"]]),
      ];
      if (s.charging.status != null) sections.push(part("Charging", s.charging.at, [["State", s.charging.status.replace("_", " ")],
        ["Plugged in", s.charging.pluggedIn ? "yes" : "no"], ["Limit", pct(s.charging.limitPct)], ["Complete at", when(s.charging.completeAt)]]));
      sections.push(part("Climate", s.climate.at, [["Running", s.climate.running ? "yes" : "no"], ["Cabin", temp(s.climate.cabinC)], ["Preset", temp(v.climateTargetC)]]));
      sections.push(part("Health", s.health.at, [["Overall", s.health.overall], ["Oil", s.health.oil || "–"],
        ["Maintenance due", s.health.maintenanceDue ? "yes" : "no"],
        ["Warning lights", s.health.warnings.map(w => `${w.name} (${w.severity})`).join(", ") || "none"]]));
      if (s.position) sections.push(part("Position", s.position.at, [["Latitude", s.position.lat.toFixed(5)], ["Longitude", s.position.lon.toFixed(5)]]));
      parts.replaceChildren(...sections);
    }
    async function refresh() { last = takeFirst() || await api(`/app/api/vehicles/${encodeURIComponent(vin)}`); draw(); }
    document.addEventListener("units", draw);
    every(POLL_MS, refresh);

    const base = `/app/api/vehicles/${encodeURIComponent(vin)}`;
    async function markRead(ids) {
      if (ids.length) await api(`${base}/notifications/read`, { method: "POST", body: JSON.stringify({ ids }) });
      await loadNotes();
    }
    let unreadIds = [];
    async function loadNotes() {
      const page = await api(`${base}/notifications`);
      unreadIds = page.notifications.filter(n => !n.read).map(n => n.id);
      document.getElementById("unread").textContent = page.unread ? String(page.unread) : "";
      body.dataset.unread = String(page.unread);
      document.getElementById("notifications").replaceChildren(...(page.notifications.length ? page.notifications.map(n =>
        el("li", { class: n.read ? "" : "unread", "data-note": n.id },
          `${n.title} (${n.severity}) · ${when(n.createdAt)}`, el("br"), el("span", { class: "muted" }, n.message), " ",
          n.read ? null : el("button", { type: "button", onclick: () => markRead([n.id]) }, "Mark read"))) :
        [el("li", { class: "muted" }, "No notifications.")]));
    }
    document.getElementById("mark-all-read").addEventListener("click", () => markRead(unreadIds));
    async function loadService() {
      const { records } = await api(`${base}/service-records`);
      document.getElementById("service").replaceChildren(...(records.length ? records.map(r =>
        el("li", {}, `${r.date} · ${r.category}: ${r.description}`, el("br"),
          el("span", { class: "muted" }, `${r.dealer || ""}${r.odometerKm != null ? " · " + dist(r.odometerKm) : ""}`))) :
        [el("li", { class: "muted" }, "No service visits recorded.")]));
    }
    loadNotes(); loadService();

    const log = document.getElementById("command-log");
    for (const button of document.querySelectorAll("[data-command]")) {
      button.addEventListener("click", async () => {
        const kind = button.dataset.command;
        const line = el("li", { "data-command": kind }, `${button.textContent}: sending…`);
        log.prepend(line);
        let command;
        try {
          command = await api(`/app/api/vehicles/${encodeURIComponent(vin)}/commands`, { method: "POST", body: JSON.stringify({ kind }) });
        } catch (err) { line.textContent = `${button.textContent}: refused (${err.message})`; return; }
        const seen = [command.status];
        const show = c => {
          line.className = `status-${c.status}`;
          line.setAttribute("data-status", c.status);
          line.textContent = `${button.textContent}: ${seen.join(" → ")}${c.reason ? " (" + c.reason + ")" : ""}`;
        };
        show(command);
        // Quick at first (a vehicle nearby answers within a second), then every 2 s at most,
        // so that a command waiting for a sleeping vehicle stays well inside the rate limit.
        let wait = 300;
        while (!["succeeded", "failed", "expired"].includes(command.status)) {
          await new Promise(r => setTimeout(r, wait));
          wait = Math.min(2000, wait * 1.5);
          try { command = await api(`/app/api/vehicles/${encodeURIComponent(vin)}/commands/${command.id}`); } catch (e) { continue; }
          if (seen[seen.length - 1] !== command.status) seen.push(command.status);
          show(command);
        }
        await refresh();
      });
    }
  }

  // ---- trips, route replay and the speed chart ----------------------------------------------
  function tripsPage() {
    const vin = body.dataset.vin;
    const map = baseMap("map");
    const dayInput = document.getElementById("day");
    const list = document.getElementById("trips");
    const playButton = document.getElementById("play");
    const clock = document.getElementById("replay-clock");
    const layer = L.layerGroup().addTo(map);
    let chart = null, route = null, marker = null, playing = false, simT = 0, lastFrame = 0, current = null;

    function isoDay(d) { return d.toISOString().slice(0, 10); }
    function shiftDay(n) { const d = new Date(dayInput.value + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return isoDay(d); }

    async function loadDay(day, searchBack) {
      for (let i = 0; i <= (searchBack || 0); i++) {
        const { trips } = await api(`/app/api/vehicles/${encodeURIComponent(vin)}/trips?day=${day}`);
        if (trips.length || i === searchBack) { dayInput.value = day; showList(trips); return; }
        const d = new Date(day + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() - 1); day = isoDay(d);
      }
    }
    let shownMonth = null;
    async function loadMonth(month) {
      if (month === shownMonth) return;
      shownMonth = month;
      const m = await api(`/app/api/vehicles/${encodeURIComponent(vin)}/statistics?month=${month}`);
      const hours = Math.floor(m.drivingS / 3600), minutes = Math.round((m.drivingS % 3600) / 60);
      document.getElementById("month").replaceChildren(
        el("h2", {}, new Date(month + "-01T00:00:00Z").toLocaleDateString([], { month: "long", year: "numeric", timeZone: "UTC" })),
        `${m.trips} trips · ${dist(m.distanceKm)} · ${hours} h ${minutes} min driving`, el("br"),
        `average ${speed(m.averageSpeedKmh)} · longest ${dist(m.longestKm)} · top ${speed(m.maxSpeedKmh)}`,
        ...energyLines(m));
      body.dataset.monthTrips = String(m.trips);
    }
    // The month's energy: what the reports can tell, nothing where they cannot (null).
    function energyLines(m) {
      const parts = [];
      if (m.energyUsedKwh != null) parts.push(`${kwh(m.energyUsedKwh)} used`);
      if (m.kwhPer100Km != null) parts.push(perDistance(m.kwhPer100Km));
      if (m.fuelUsedL != null) parts.push(`${litres(m.fuelUsedL)} fuel used`);
      if (m.litresPer100Km != null) parts.push(fuelEconomy(m.litresPer100Km));
      if (m.energyLostParkedKwh != null) parts.push(`${kwh(m.energyLostParkedKwh)} lost parked`);
      if (m.chargingSessions) parts.push(`${m.chargingSessions} charges, ${kwh(m.energyChargedKwh)} added`);
      body.dataset.monthEnergy = parts.length ? "shown" : "none";
      return parts.length ? [el("br"), el("span", { id: "month-energy" }, parts.join(" · "))] : [];
    }
    function showList(trips) {
      loadMonth(dayInput.value.slice(0, 7));
      list.replaceChildren(...trips.map(t => el("li", { "data-trip": t.id },
        el("button", { type: "button", onclick: () => openTrip(t.id) },
          el("strong", {}, `${new Date(t.startAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })} → ${new Date(t.endAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`),
          el("br"), `${dist(t.distanceKm)} · ${Math.round(t.durationS / 60)} min · avg ${speed(t.averageSpeedKmh)} · max ${speed(t.maxSpeedKmh)}`,
          el("br"), el("span", { class: "muted" }, `${t.startAddress || "?"} → ${t.endAddress || "?"}`)))));
      if (!trips.length) list.replaceChildren(el("li", { class: "muted" }, "No trips this day."));
      body.dataset.trips = String(trips.length);
    }
    function positionAt(t) {
      const ts = route.t;
      if (t <= ts[0]) return [route.lat[0], route.lon[0], 0];
      for (let i = 1; i < ts.length; i++) {
        if (t <= ts[i]) {
          const f = ts[i] === ts[i - 1] ? 1 : (t - ts[i - 1]) / (ts[i] - ts[i - 1]);
          return [route.lat[i - 1] + f * (route.lat[i] - route.lat[i - 1]), route.lon[i - 1] + f * (route.lon[i] - route.lon[i - 1]), i];
        }
      }
      const n = ts.length - 1;
      return [route.lat[n], route.lon[n], n];
    }
    function moveTo(t) {
      const [lat, lon, i] = positionAt(t);
      marker.setLatLng([lat, lon]);
      clock.textContent = `${new Date(t * 1000).toLocaleTimeString()} · ${speed(route.speedKmh[i])}`;
      body.dataset.replayT = String(t);
      if (chart) chart.setCursor({ left: chart.valToPos(t, "x"), top: chart.valToPos(speedValue(route.speedKmh[i]), "y") });
    }
    function frame(now) {
      if (!playing) return;
      const dt = (now - lastFrame) / 1000; lastFrame = now;
      simT += dt * Number(document.getElementById("replay-speed").value);
      const end = route.t[route.t.length - 1];
      if (simT >= end) { simT = end; moveTo(simT); setPlaying(false); body.dataset.replayDone = "true"; return; }
      moveTo(simT);
      requestAnimationFrame(frame);
    }
    function setPlaying(on) {
      playing = on;
      playButton.textContent = on ? "Pause" : "Play";
      body.dataset.replaying = String(on);
      if (on) {
        if (simT >= route.t[route.t.length - 1]) simT = route.t[0];
        lastFrame = performance.now(); requestAnimationFrame(frame);
      }
    }
    playButton.addEventListener("click", () => setPlaying(!playing));
    function drawChart() {
      const box = document.getElementById("chart");
      if (chart) chart.destroy();
      chart = new uPlot({
        width: box.clientWidth || 600, height: 200,
        scales: { x: { time: true } },
        series: [{}, { label: imperial ? "Speed (mph)" : "Speed (km/h)", stroke: "#0b5cad", width: 2 }],
        // Hover the chart, see the place: the marker goes to the point under the cursor.
        hooks: { setCursor: [u => {
          if (u.cursor.idx != null && !playing) {
            const i = u.cursor.idx;
            marker.setLatLng([route.lat[i], route.lon[i]]);
            body.dataset.hoverPoint = String(i);
          }
        }] },
      }, [route.t, route.speedKmh.map(speedValue)], box);
    }
    async function openTrip(id) {
      setPlaying(false);
      current = await api(`/app/api/vehicles/${encodeURIComponent(vin)}/trips/${encodeURIComponent(id)}?day=${dayInput.value}`);
      route = current.route;
      for (const li of list.children) li.classList.toggle("selected", li.dataset.trip === id);
      layer.clearLayers();
      const line = route.lat.map((lat, i) => [lat, route.lon[i]]);
      L.polyline(line, { color: "#0b5cad", weight: 4 }).addTo(layer);
      L.circleMarker(line[0], { radius: 6, color: "#1a7f37", fillOpacity: 1 }).bindTooltip("start").addTo(layer);
      L.circleMarker(line[line.length - 1], { radius: 6, color: "#b00020", fillOpacity: 1 }).bindTooltip("end").addTo(layer);
      // Stops: a minute or more without moving, inside the trip.
      let stoppedFrom = null;
      for (let i = 1; i < route.t.length; i++) {
        if (route.speedKmh[i] < 1) { if (stoppedFrom == null) stoppedFrom = i; }
        else if (stoppedFrom != null) {
          if (route.t[i - 1] - route.t[stoppedFrom] >= 60) L.circleMarker(line[stoppedFrom], { radius: 5, color: "#d4a017", fillOpacity: 1 }).bindTooltip(`stop, ${Math.round((route.t[i - 1] - route.t[stoppedFrom]) / 60)} min`).addTo(layer);
          stoppedFrom = null;
        }
      }
      marker = L.circleMarker(line[0], { radius: 8, color: "#fff", weight: 2, fillColor: "#111", fillOpacity: 1 }).addTo(layer);
      map.fitBounds(line, { padding: [20, 20] });
      simT = route.t[0];
      playButton.disabled = false;
      drawChart();
      moveTo(simT);
      body.dataset.openTrip = id;
      body.dataset.routePoints = String(route.t.length);
    }
    dayInput.addEventListener("change", () => loadDay(dayInput.value));
    document.getElementById("prev-day").addEventListener("click", () => loadDay(shiftDay(-1)));
    document.getElementById("next-day").addEventListener("click", () => loadDay(shiftDay(1)));
    document.addEventListener("units", () => { if (route) { drawChart(); moveTo(simT); } shownMonth = null; loadDay(dayInput.value); });
    // Today, or the latest day of the last two weeks that has trips (within the vehicle's
    // rate-limit burst, so that an idle vehicle's page never runs into a 429).
    loadDay(isoDay(new Date()), 14);
  }

  // ---- charging sessions and the charge curve ---------------------------------------------------
  function chargingPage() {
    const vin = body.dataset.vin;
    const base = `/app/api/vehicles/${encodeURIComponent(vin)}/charging-sessions`;
    const list = document.getElementById("sessions");
    const older = document.getElementById("older");
    const detail = document.getElementById("session");
    let shown = [], total = 0, chart = null, current = null;
    const hhmm = iso => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    function placeOf(s) {
      if (!s.place) return "–";
      const at = `${s.place.lat.toFixed(5)}, ${s.place.lon.toFixed(5)}`;
      return s.place.name ? `${s.place.name} (${at})` : at;
    }
    function socSpan(s) { return `${pct(s.socFromPct)} → ${pct(s.socToPct)}`; }
    function drawList() {
      list.replaceChildren(...shown.map(s => el("li", { "data-session": s.id, class: current && current.id === s.id ? "selected" : "" },
        el("button", { type: "button", onclick: () => openSession(s.id) },
          el("strong", {}, `${new Date(s.startAt).toLocaleDateString()} ${hhmm(s.startAt)} → ${hhmm(s.endAt)}`),
          el("br"), `${socSpan(s)} · ${kwh(s.energyKwh)} · ${s.current.toUpperCase()}`,
          el("br"), el("span", { class: "muted" }, `peak ${kw(s.peakKw)} · mean ${kw(s.meanKw)} · ${duration(s.durationS)}`),
          s.place && s.place.name ? el("br") : null, s.place && s.place.name ? el("span", { class: "muted" }, s.place.name) : null))));
      if (!shown.length) list.replaceChildren(el("li", { class: "muted" }, "No charging sessions recorded."));
      document.getElementById("sessions-total").textContent = `${total} session${total === 1 ? "" : "s"}`;
      older.hidden = shown.length >= total;
      body.dataset.sessions = String(shown.length);
    }
    function take(page) { shown = shown.concat(page.sessions); total = page.total; drawList(); }
    older.addEventListener("click", async () => take(await api(`${base}?offset=${shown.length}`)));
    function drawCurve() {
      const box = document.getElementById("curve");
      if (chart) chart.destroy();
      const c = current.curve;
      // Two axes: the battery's charge (%) on the left, the power flowing in (kW) on the right.
      chart = new uPlot({
        width: box.clientWidth || 600, height: 260,
        scales: { x: { time: true }, pct: { range: [0, 100] }, kw: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{}, { scale: "pct", label: "Charge (%)" }, { scale: "kw", side: 1, label: "Power (kW)", grid: { show: false } }],
        series: [{}, { label: "Charge (%)", scale: "pct", stroke: "#1a7f37", width: 2 },
          // A unit sends power when it changes, and it holds until then: drawn as steps.
          { label: "Power (kW)", scale: "kw", stroke: "#d4a017", width: 2, paths: uPlot.paths.stepped({ align: 1 }) }],
      }, [c.t, c.socPct, c.powerKw], box);
      body.dataset.curvePoints = String(chart.data[0].length);
    }
    async function openSession(id) {
      current = await api(`${base}/${encodeURIComponent(id)}`);
      const s = current;
      const rows = [["Started", when(s.startAt)], ["Ended", when(s.endAt)], ["Duration", duration(s.durationS)],
        ["Place", placeOf(s)],
        ["Charge", socSpan(s)], ["Energy added", kwh(s.energyKwh)], ["Peak power", kw(s.peakKw)],
        ["Mean power", kw(s.meanKw)], ["Current", s.current.toUpperCase()]];
      detail.replaceChildren(el("h2", {}, "Session"), el("dl", { class: "health" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])));
      drawList();
      drawCurve();
      body.dataset.openSession = id;
    }
    take(takeFirst() || { sessions: [], total: 0 });
  }

  // ---- operator: fleet table and ingestion health -------------------------------------------
  function operatorPage() {
    const tbody = document.querySelector("#fleet-table tbody");
    const filter = document.getElementById("filter");
    let rows = [], sortKey = "vin", ascending = true;
    function drawTable() {
      const q = filter.value.trim().toLowerCase();
      const shown = rows.filter(r => !q || [r.vin, r.make, r.model, r.powertrain, r.connection, r.owner || ""].join(" ").toLowerCase().includes(q));
      const key = r => sortKey === "model" ? `${r.make} ${r.model}` : (r[sortKey] || "");
      shown.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (ascending ? 1 : -1));
      tbody.replaceChildren(...shown.map(r => el("tr", { "data-vin": r.vin },
        el("td", {}, r.vin), el("td", {}, `${r.year} ${r.make} ${r.model}`), el("td", {}, r.powertrain),
        el("td", {}, el("i", { class: `dot ${r.connection}` }), r.connection),
        el("td", { title: r.lastSeenAt || "" }, age(r.lastSeenAt)), el("td", {}, r.owner || "—"))));
      body.dataset.rows = String(shown.length);
      for (const th of document.querySelectorAll("th[data-sort]")) {
        if (th.dataset.sort === sortKey) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        else th.removeAttribute("aria-sort");
      }
    }
    for (const th of document.querySelectorAll("th[data-sort]")) th.addEventListener("click", () => {
      ascending = sortKey === th.dataset.sort ? !ascending : true; sortKey = th.dataset.sort; drawTable();
    });
    filter.addEventListener("input", drawTable);
    every(30000, async () => { rows = (await api("/app/api/operator/fleet")).vehicles; drawTable(); });
    const health = document.getElementById("health");
    let before = null;
    every(POLL_MS, async () => {
      const h = await api("/app/api/operator/ingestion");
      const now = Date.now();
      const rate = before ? ((h.receivedTotal - before.total) / ((now - before.at) / 1000)).toFixed(1) : "…";
      before = { total: h.receivedTotal, at: now };
      const entries = [
        ["Broker connection", h.brokerConnected == null ? "not started" : h.brokerConnected ? "connected" : "DOWN"],
        ["Messages per second", rate],
        ["Messages received", String(h.receivedTotal)],
        ["Duplicates", String(h.duplicates)],
        ...Object.entries(h.dropped).map(([reason, n]) => [`Dropped: ${reason}`, String(n)]),
        ...Object.entries(h.deadLettered).map(([reason, n]) => [`Dead-lettered: ${reason}`, String(n)]),
      ];
      if (!Object.keys(h.dropped).length) entries.push(["Dropped", "0"]);
      health.replaceChildren(...entries.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
      body.dataset.health = "shown";
    });
  }

  const pages = { map: fleetPage, vehicle: vehiclePage, trips: tripsPage, charging: chargingPage, operator: operatorPage };
  if (pages[PAGE]) pages[PAGE]();
})();
