// Staff pages: shows the request's location on a Leaflet map. The page
// works without this script; the coordinates are printed next to the map.
(function () {
  "use strict";
  var el = document.getElementById("staff-map");
  if (!el || typeof L === "undefined") {
    return;
  }
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
  if (isNaN(lat) || isNaN(lon)) {
    return;
  }
  var map = L.map(el, { keyboard: true }).setView([lat, lon], 17);
  L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
  L.marker([lat, lon], { keyboard: false }).addTo(map);
})();
