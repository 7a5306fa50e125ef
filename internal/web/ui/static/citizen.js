// Citizen pages: progressive enhancement only. Every page works without
// this script: the coordinate and address fields, the list of reports and
// the written position stay the way to use them without a map.
(function () {
  "use strict";

  var hasLeaflet = typeof window.L !== "undefined";

  function tileLayer(el) {
    var url = el.getAttribute("data-tiles");
    var attribution = url.indexOf("openstreetmap") >= 0
      ? '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
      : "";
    return L.tileLayer(url, { maxZoom: 19, attribution: attribution });
  }

  function bboxOf(el) {
    var b = (el.getAttribute("data-bbox") || "").split(",").map(Number);
    if (b.length !== 4 || b.some(isNaN)) {
      return null;
    }
    return L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
  }

  function show(id) {
    var el = document.getElementById(id);
    if (el) {
      el.hidden = false;
    }
    return el;
  }

  // The report form: a map with a draggable pin writes the coordinate
  // inputs, which are hidden then (the address field stays).
  function reportMap() {
    var el = document.getElementById("report-map");
    var lat = document.getElementById("lat");
    var lon = document.getElementById("long");
    if (!el || !lat || !lon || !hasLeaflet) {
      return;
    }
    el.hidden = false;
    show("map-help");
    document.getElementById("coords").hidden = true;
    var map = L.map(el);
    tileLayer(el).addTo(map);
    var marker = null;
    function place(latlng, pan) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, alt: el.getAttribute("data-marker") || "" }).addTo(map);
        marker.on("dragend", function () {
          place(marker.getLatLng(), false);
        });
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) {
        map.setView(latlng, Math.max(map.getZoom(), 17));
      }
    }
    var start = parseFloat(lat.value), startLon = parseFloat(lon.value);
    var bounds = bboxOf(el);
    if (!isNaN(start) && !isNaN(startLon)) {
      map.setView([start, startLon], 17);
      place(L.latLng(start, startLon), false);
    } else if (bounds) {
      map.fitBounds(bounds);
    } else {
      map.setView([51.16, 10.45], 6);
    }
    map.on("click", function (e) {
      place(e.latlng, false);
    });

    var btn = document.getElementById("locate");
    var status = document.getElementById("locate-status");
    if (btn && navigator.geolocation) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        status.textContent = btn.getAttribute("data-locating");
        navigator.geolocation.getCurrentPosition(function (pos) {
          place(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
          status.textContent = btn.getAttribute("data-located");
        }, function () {
          status.textContent = btn.getAttribute("data-failed");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }

  // Thumbnails of the chosen photos, and the limits checked before a
  // long upload on a phone network.
  function photoPreview() {
    var input = document.getElementById("media");
    var list = document.getElementById("media-preview");
    if (!input || !list || !window.URL || !URL.createObjectURL) {
      return;
    }
    input.addEventListener("change", function () {
      list.textContent = "";
      var files = Array.prototype.slice.call(input.files || []);
      var max = parseInt(input.getAttribute("data-max"), 10) || 8;
      var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 12582912;
      var total = files.reduce(function (n, f) { return n + f.size; }, 0);
      var msg = "";
      if (files.length > max) {
        msg = input.getAttribute("data-too-many");
      } else if (total > maxBytes) {
        msg = input.getAttribute("data-too-large");
      }
      input.setCustomValidity(msg);
      if (msg) {
        var li = document.createElement("li");
        li.className = "error";
        li.textContent = msg;
        list.appendChild(li);
        return;
      }
      files.forEach(function (f) {
        if (f.type.indexOf("image/") !== 0) {
          return;
        }
        var li = document.createElement("li");
        var img = document.createElement("img");
        img.src = URL.createObjectURL(f);
        img.alt = f.name;
        img.onload = function () { URL.revokeObjectURL(img.src); };
        li.appendChild(img);
        list.appendChild(li);
      });
    });
  }

  // The public list: markers for the reports of the page, read from the
  // list items, each linking to its report.
  function reportsMap() {
    var el = document.getElementById("reports-map");
    if (!el || !hasLeaflet) {
      return;
    }
    el.hidden = false;
    show("reports-map-hint");
    var map = L.map(el);
    tileLayer(el).addTo(map);
    var points = [];
    var items = document.querySelectorAll("#report-list li[data-lat]");
    Array.prototype.forEach.call(items, function (li) {
      var ll = L.latLng(parseFloat(li.getAttribute("data-lat")), parseFloat(li.getAttribute("data-lon")));
      var title = li.getAttribute("data-title");
      var a = document.createElement("a");
      a.href = li.getAttribute("data-href");
      a.textContent = title;
      L.marker(ll, { alt: title, title: title }).bindPopup(a).addTo(map);
      points.push(ll);
    });
    var bounds = bboxOf(el);
    if (points.length > 0) {
      map.fitBounds(L.latLngBounds(points).pad(0.1), { maxZoom: 17 });
    } else if (bounds) {
      map.fitBounds(bounds);
    } else {
      map.setView([51.16, 10.45], 6);
    }
  }

  // The report page: a small map around the position.
  function requestMap() {
    var el = document.getElementById("request-map");
    if (!el || !hasLeaflet) {
      return;
    }
    el.hidden = false;
    var ll = L.latLng(parseFloat(el.getAttribute("data-lat")), parseFloat(el.getAttribute("data-lon")));
    var map = L.map(el).setView(ll, 17);
    tileLayer(el).addTo(map);
    L.marker(ll, { alt: el.getAttribute("data-title"), keyboard: false }).addTo(map);
  }

  reportMap();
  photoPreview();
  reportsMap();
  requestMap();
})();
