// The seizure map's page script. builder.py fills __MAP__ (the folium map's variable)
// and __TILES__ (the tile layer's, or null) before it inlines this file.
(function () {
  "use strict";
  var map = __MAP__;
  var D = JSON.parse(document.getElementById("opcoord-data").textContent);
  var world = JSON.parse(document.getElementById("opcoord-countries").textContent);
  var S = D.strings;
  var ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function esc(v) { return String(v).replace(/[&<>"']/g, function (c) { return ESC[c]; }); }
  function str(i) { return i === null || i === undefined ? null : S[i]; }

  function fromRow(r) {  // column order: see _ROW_FIELDS in mapbuilder.py
    return {lat: r[0], lon: r[1], category: str(r[2]), quantity: r[3], place_type: str(r[4]),
      place_name: str(r[5]), day: str(r[6]), country: str(r[7]), conveyance: str(r[8]),
      origin_country: str(r[9]), destination_country: str(r[10]), ref: str(r[11]),
      description: str(r[12])};
  }
  function label(v) { return v === null || v === undefined ? "" : String(v).replace(/_/g, " "); }
  function popupHtml(p) {
    var rows = [];
    function add(name, value) {
      if (value !== null && value !== undefined && value !== "") {
        rows.push("<tr><th>" + name + "</th><td>" + esc(value) + "</td></tr>");
      }
    }
    add("Reference", p.ref);
    add("Category", label(p.category));
    add("Quantity", p.quantity);
    add("Place", [label(p.place_type), p.place_name].filter(Boolean).join(": "));
    add("Date", p.day);
    add("Reporting country", p.country);
    add("Conveyance", label(p.conveyance));
    if (p.origin_country || p.destination_country) {
      add("Route", (p.origin_country || "?") + " \u2192 " + (p.destination_country || "?"));
    }
    add("Description", p.description);
    return '<table class="opcoord-popup">' + rows.join("") + "</table>";
  }
  function colour(category) { return D.colours[category] || D.colours.other; }
  function marker(p) {
    // markerPane: above the heat canvas, which leaflet.heat puts in the overlay pane.
    var m = L.circleMarker([p.lat, p.lon], {radius: 6, weight: 1, color: "#333",
      fillColor: colour(p.category), fillOpacity: 0.9, pane: "markerPane"});
    m.seizure = p;
    // Built when opened: 100,000 popup strings up front would cost seconds and memory.
    m.bindPopup(function (layer) { return popupHtml(layer.seizure); });
    return m;
  }

  var api = {loaded: false};  // becomes window.opcoordMap
  var markers = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 50,
    chunkProgress: function (done, total) { api.loaded = done === total; }});
  var heat = L.heatLayer(D.rows.map(function (r) { return [r[0], r[1], r[3]]; }),
    // No maxZoom option: the layer control would grey the layer out above it. With the
    // map's maxZoom (18) leaflet.heat scales weights by 2^-12 at zooms <= 6: undo that.
    {radius: 18, blur: 15, max: D.heatMax / 4096, minOpacity: 0.3});

  var choro = L.geoJSON(world, {
    filter: function (f) { return Boolean(f.id && D.choropleth[f.id]); },
    style: function (f) {
      return {fillColor: D.choropleth[f.id].colour, fillOpacity: 0.7, color: "#666", weight: 0.8};
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(esc(f.properties.name) + ": " +
        D.choropleth[f.id].objects.toLocaleString("en") + " objects seized");
    }
  });
  var outlines = L.geoJSON(world, {interactive: false, style: D.tiles
    ? {color: "#777", weight: 0.6, fill: false}
    : {color: "#9a9a9a", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1}});

  var routes = L.featureGroup(D.routes.map(function (r) {
    // [from lat, from lon, to lat, to lon, line weight, objects, seizures, from, to]
    return L.polyline([[r[0], r[1]], [r[2], r[3]]], {color: "#6a1b9a", opacity: 0.6,
      weight: r[4]}).bindTooltip(esc(r[7]) + " \u2192 " + esc(r[8]) + ": " +
      r[5].toLocaleString("en") + " objects, " + r[6] + " seizures");
  }));

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = document.getElementById("opcoord-legend");
    div.style.display = "";
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  var bases = {};
  if (D.tiles) { bases["Map tiles"] = __TILES__; }
  outlines.addTo(map);
  choro.addTo(map);
  routes.addTo(map);
  // heat starts hidden: over the clusters it is noise until a coordinator asks for it
  markers.addTo(map);
  // Added once on the map, so that chunkedLoading keeps the page responsive.
  markers.addLayers(D.rows.map(function (r) { return marker(fromRow(r)); }));
  L.control.layers(bases, {"Country outlines": outlines, "Objects by reporting country": choro,
    "Routes (origin \u2192 destination)": routes, "Heat (objects)": heat,
    "Seizures": markers}, {collapsed: false}).addTo(map);
  legend.addTo(map);

  var noCoords = D.noCoords;
  function addSeizure(s) {
    if (s.lat === null || s.lat === undefined || s.lon === null || s.lon === undefined) {
      noCoords += 1;
      document.getElementById("opcoord-nocoords").textContent = noCoords.toLocaleString("en");
      return null;
    }
    var m = marker(s);
    markers.addLayer(m);
    // leaflet.heat 0.2.0 fails in redraw when the layer is off the map: queue the point.
    if (map.hasLayer(heat)) { heat.addLatLng([s.lat, s.lon, s.quantity]); }
    else { heat._latlngs.push(L.latLng(s.lat, s.lon, s.quantity)); }
    return m;
  }
  window.opcoordMap = L.Util.extend(api, {map: map, markers: markers, heat: heat,
    routes: routes, choropleth: choro, outlines: outlines, addSeizure: addSeizure,
    popupHtml: popupHtml, colours: D.colours});
})();
