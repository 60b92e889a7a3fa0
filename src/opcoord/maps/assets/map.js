// The seizure map's page script. builder.py fills __MAP__ (the folium map's variable)
// before it inlines this file; folium itself adds the tile layer, if there is one.
//
// One layer shows when the page opens: the seizures, grouped into rings whose slices are
// their categories. The side panel's switches add the others (objects per reporting
// country, routes as arrows, heat); each switch shows its layer's key while it is on.
// Every word comes from the page's data, in the reader's language (D.t, D.words,
// D.countries, D.days); numbers and dates are formatted for D.locale.
(function () {
  "use strict";
  var map = __MAP__;
  var D = JSON.parse(document.getElementById("opcoord-data").textContent);
  var world = JSON.parse(document.getElementById("opcoord-countries").textContent);
  var S = D.strings, T = D.t;
  var NUM = new Intl.NumberFormat(D.locale);
  var PLURAL = new Intl.PluralRules(D.locale);
  var DAY = new Intl.DateTimeFormat(D.locale, {day: "numeric", month: "short",
    year: "numeric", timeZone: "UTC"});
  var REGION = typeof Intl.DisplayNames === "function"
    ? new Intl.DisplayNames([D.locale], {type: "region"}) : null;
  var ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function esc(v) { return String(v).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
  function str(i) { return i === null || i === undefined ? null : S[i]; }
  function fill(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (m, k) {
      return values[k] !== undefined ? String(values[k]) : m;
    });
  }
  // forms: the message for 1, 2 and 5 (see panel.py); Intl picks the one n takes.
  function plural(n, forms) {
    var cat = PLURAL.select(n);
    return fill(cat === "one" ? forms[0] : cat === "few" ? forms[1] : forms[2],
      {num: NUM.format(n)});
  }
  function word(table, v) {
    if (v === null || v === undefined || v === "") { return ""; }
    var known = D.words[table] && D.words[table][v];
    return known || String(v).replace(/_/g, " ");
  }
  function country(cc) {
    if (!cc) { return ""; }
    if (D.countries[cc]) { return D.countries[cc]; }
    try { return (REGION && REGION.of(cc)) || cc; } catch (e) { return cc; }
  }
  function day(iso) {
    if (!iso) { return ""; }
    if (D.days[iso]) { return D.days[iso]; }
    var d = String(iso).split("-").map(Number);
    return d.length === 3 && !isNaN(d[2]) ? DAY.format(Date.UTC(d[0], d[1] - 1, d[2])) : iso;
  }

  function fromRow(r) {  // column order: see _map_data in builder.py
    return {lat: r[0], lon: r[1], category: str(r[2]), quantity: r[3], place_type: str(r[4]),
      place_name: str(r[5]), day: str(r[6]), country: str(r[7]), conveyance: str(r[8]),
      origin_country: str(r[9]), destination_country: str(r[10]), ref: str(r[11]),
      description: str(r[12])};
  }
  function popupHtml(p) {
    var rows = [];
    function add(name, value) {
      if (value !== null && value !== undefined && value !== "") {
        rows.push("<tr><th>" + esc(name) + "</th><td>" + esc(value) + "</td></tr>");
      }
    }
    add(T.ref, p.ref);
    add(T.category, word("category", p.category));
    add(T.quantity, typeof p.quantity === "number" ? NUM.format(p.quantity) : p.quantity);
    add(T.place, p.place_name);
    add(T.place_type, word("place_type", p.place_type));
    add(T.date, day(p.day));
    add(T.country, country(p.country));
    add(T.conveyance, word("conveyance", p.conveyance));
    if (p.origin_country || p.destination_country) {
      add(T.route, (country(p.origin_country) || "?") + " \u2192 " +
        (country(p.destination_country) || "?"));
    }
    add(T.description, p.description);
    return '<table class="opcoord-popup">' + rows.join("") + "</table>";
  }
  function kind(category) { return D.colours[category] ? category : "other"; }
  function colour(category) { return D.colours[kind(category)]; }

  function marker(p) {
    // markerPane: above the heat canvas, which leaflet.heat puts in the overlay pane.
    var m = L.circleMarker([p.lat, p.lon], {radius: 6, weight: 1, color: "#333",
      fillColor: colour(p.category), fillOpacity: 0.9, pane: "markerPane"});
    m.seizure = p;
    // Built when opened: 100,000 popup strings up front would cost seconds and memory.
    m.bindPopup(function (layer) { return popupHtml(layer.seizure); });
    return m;
  }

  // A group of seizures: a ring cut into one slice per category (in the key's colours),
  // its size growing with the count, which is written in the middle.
  var ORDER = Object.keys(D.colours);
  function slice(cx, r, from, to) {
    var large = to - from > Math.PI ? 1 : 0;
    var x1 = cx + r * Math.sin(from), y1 = cx - r * Math.cos(from);
    var x2 = cx + r * Math.sin(to), y2 = cx - r * Math.cos(to);
    return "M" + cx + "," + cx + "L" + x1.toFixed(2) + "," + y1.toFixed(2) + "A" + r + "," +
      r + " 0 " + large + " 1 " + x2.toFixed(2) + "," + y2.toFixed(2) + "Z";
  }
  function pieIcon(cluster) {
    var counts = {}, n = 0;
    cluster.getAllChildMarkers().forEach(function (m) {
      var k = kind(m.seizure && m.seizure.category);
      counts[k] = (counts[k] || 0) + 1;
      n += 1;
    });
    var size = Math.round(Math.min(64, 30 + 9 * Math.log(n) / Math.LN10));
    var c = size / 2, r = c - 1, shapes = [], parts = [], at = 0;
    ORDER.forEach(function (k) {
      if (!counts[k]) { return; }
      parts.push(word("category", k) + " " + NUM.format(counts[k]));
      var share = counts[k] / n * 2 * Math.PI;
      shapes.push(share >= 2 * Math.PI - 1e-9
        ? '<circle cx="' + c + '" cy="' + c + '" r="' + r + '" fill="' + D.colours[k] + '"/>'
        : '<path d="' + slice(c, r, at, at + share) + '" fill="' + D.colours[k] + '"/>');
      at += share;
    });
    var label = plural(n, T.n_seizures) + ": " + parts.join(", ");
    var html = '<svg xmlns="http://www.w3.org/2000/svg" width="' + size + '" height="' + size +
      '" viewBox="0 0 ' + size + " " + size + '" role="img" aria-label="' + esc(label) + '">' +
      "<title>" + esc(label) + "</title>" + shapes.join("") +
      '<circle cx="' + c + '" cy="' + c + '" r="' + r + '" fill="none" stroke="#fff" stroke-width="1.5"/>' +
      '<circle cx="' + c + '" cy="' + c + '" r="' + (r * 0.58).toFixed(1) + '" fill="#fff"/>' +
      '<text x="' + c + '" y="' + c + '" text-anchor="middle" dominant-baseline="central">' +
      esc(NUM.format(n)) + "</text></svg>";
    return L.divIcon({html: html, className: "opcoord-pie", iconSize: L.point(size, size)});
  }

  // Panes, bottom to top, so layers keep their order whichever is switched on first.
  [["opcoordBase", 250], ["opcoordChoropleth", 350], ["opcoordRoutes", 450],
    ["opcoordArrows", 460]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = String(p[1]);
  });
  map.getPane("opcoordBase").style.pointerEvents = "none";

  var api = {loaded: false};  // becomes window.opcoordMap
  var markers = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 50,
    showCoverageOnHover: false, iconCreateFunction: pieIcon,
    chunkProgress: function (done, total) { api.loaded = done === total; }});
  var heat = L.heatLayer(D.rows.map(function (r) { return [r[0], r[1], r[3]]; }),
    // No maxZoom option: the layer control would grey the layer out above it. With the
    // map's maxZoom (18) leaflet.heat scales weights by 2^-12 at zooms <= 6: undo that.
    {radius: 18, blur: 15, max: D.heatMax / 4096, minOpacity: 0.3});

  var choro = L.geoJSON(world, {pane: "opcoordChoropleth",
    filter: function (f) { return Boolean(f.id && D.choropleth[f.id]); },
    style: function (f) {
      return {fillColor: D.choropleth[f.id].colour, fillOpacity: 0.75, color: "#555",
        weight: 0.8};
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(esc(D.choropleth[f.id].label)); }
  });
  var outlines = L.geoJSON(world, {pane: "opcoordBase", interactive: false, style: D.tiles
    ? {color: "#777", weight: 0.6, fill: false}
    : {color: "#9a9a9a", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1}});

  // A route: a curve from the origin's centre to the destination's, bent to its left so
  // that A -> B and B -> A stay apart, with an arrowhead two thirds of the way along.
  function routeLayers(r) {
    var a = map.project([r[0], r[1]], 0), b = map.project([r[2], r[3]], 0);
    var c = L.point((a.x + b.x) / 2 + (b.y - a.y) * 0.18, (a.y + b.y) / 2 - (b.x - a.x) * 0.18);
    function at(t) {
      var u = 1 - t;
      return L.point(u * u * a.x + 2 * u * t * c.x + t * t * b.x,
        u * u * a.y + 2 * u * t * c.y + t * t * b.y);
    }
    var line = [];
    for (var i = 0; i <= 32; i++) { line.push(map.unproject(at(i / 32), 0)); }
    var t = 0.66, u = 1 - t;
    var dx = 2 * u * (c.x - a.x) + 2 * t * (b.x - c.x);
    var dy = 2 * u * (c.y - a.y) + 2 * t * (b.y - c.y);
    var angle = Math.atan2(dy, dx) * 180 / Math.PI;
    var s = Math.round(10 + r[4] * 1.6);
    var head = L.marker(map.unproject(at(t), 0), {pane: "opcoordArrows", interactive: false,
      keyboard: false, icon: L.divIcon({className: "opcoord-arrow", iconSize: L.point(s, s),
        html: '<svg width="' + s + '" height="' + s + '" viewBox="-10 -10 20 20" ' +
          'style="transform: rotate(' + angle.toFixed(1) + 'deg)" aria-hidden="true">' +
          '<path d="M-7,-7 L9,0 L-7,7 L-3,0 Z" fill="#4a148c"/></svg>'})});
    var path = L.polyline(line, {pane: "opcoordRoutes", color: "#6a1b9a", opacity: 0.7,
      weight: r[4], lineCap: "round"}).bindTooltip(esc(r[9]), {sticky: true});
    return [path, head];
  }
  // The largest routes (D.routesShown) draw when the layer is on; the panel adds the rest.
  function routeGroup(list) { return L.featureGroup([].concat.apply([], list.map(routeLayers))); }
  var routesRest = routeGroup(D.routes.slice(D.routesShown));
  var routes = routeGroup(D.routes.slice(0, D.routesShown));
  var allRoutes = document.querySelector("input[data-routes=all]");
  function showAllRoutes(on) {
    if (on && !routes.hasLayer(routesRest)) { routes.addLayer(routesRest); }
    if (!on && routes.hasLayer(routesRest)) { routes.removeLayer(routesRest); }
  }
  if (allRoutes) {
    allRoutes.addEventListener("change", function () { showAllRoutes(allRoutes.checked); });
    showAllRoutes(allRoutes.checked);
  }

  outlines.addTo(map);
  // Added once on the map, so that chunkedLoading keeps the page responsive.
  markers.addTo(map);
  markers.addLayers(D.rows.map(function (r) { return marker(fromRow(r)); }));

  var layers = {markers: markers, choropleth: choro, routes: routes, heat: heat};
  function show(name, on) {
    var layer = layers[name];
    if (!layer) { return; }
    if (on && !map.hasLayer(layer)) { map.addLayer(layer); }
    if (!on && map.hasLayer(layer)) { map.removeLayer(layer); }
    var key = document.getElementById("opcoord-key-" + name);
    if (key) { key.hidden = !on; }
    var box = document.querySelector('input[data-layer="' + name + '"]');
    if (box && box.checked !== on) { box.checked = on; }
  }
  document.querySelectorAll("input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () { show(box.dataset.layer, box.checked); });
    if (box.checked !== map.hasLayer(layers[box.dataset.layer])) {  // a restored form
      show(box.dataset.layer, box.checked);
    }
  });

  var noCoords = D.noCoords, counts = Object.assign({}, D.categoryCounts);
  function addSeizure(s) {
    if (s.lat === null || s.lat === undefined || s.lon === null || s.lon === undefined) {
      noCoords += 1;
      document.getElementById("opcoord-nocoords").textContent = plural(noCoords, T.nocoords);
      return null;
    }
    var k = kind(s.category);
    counts[k] = (counts[k] || 0) + 1;
    var item = document.querySelector('#opcoord-categories li[data-category="' + k + '"]');
    if (item) {
      item.hidden = false;
      item.querySelector(".n").textContent = NUM.format(counts[k]);
    }
    var m = marker(s);
    markers.addLayer(m);
    // leaflet.heat 0.2.0 fails in redraw when the layer is off the map: queue the point.
    if (map.hasLayer(heat)) { heat.addLatLng([s.lat, s.lon, s.quantity]); }
    else { heat._latlngs.push(L.latLng(s.lat, s.lon, s.quantity)); }
    return m;
  }
  window.opcoordMap = L.Util.extend(api, {map: map, markers: markers, heat: heat,
    routes: routes, choropleth: choro, outlines: outlines, layers: layers, show: show,
    addSeizure: addSeizure, popupHtml: popupHtml, colours: D.colours});
})();
