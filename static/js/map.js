/* The initiatives map: country shapes and clustered markers, no tile server.
 * Everything it needs comes from data- attributes on #map; the page works without it (the list
 * below the map shows the same initiatives). Data is put in the page with textContent only. */
(function () {
  "use strict";

  // The whole region, from Baja California and the Bahamas to Tierra del Fuego.
  var REGION_BOUNDS = [[-56, -118], [33, -34]];

  function directory(url) {
    return url.slice(0, url.lastIndexOf("/") + 1);
  }

  function filename(url) {
    return url.slice(url.lastIndexOf("/") + 1);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      });
  }

  function popupContent(point) {
    // point: [lat, lng, name, url, country]
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = point[3];
    link.textContent = point[2];
    var country = document.createElement("span");
    country.className = "explore-popup-country";
    country.textContent = point[4];
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(country);
    return box;
  }

  function init() {
    var element = document.getElementById("map");
    if (!element || !window.L || !L.markerClusterGroup) return;
    var data = element.dataset;
    var status = document.getElementById("map-status");

    // Leaflet joins imagePath and the file name: both come from the static URLs, so that
    // hashed file names in production work too.
    L.Icon.Default.imagePath = directory(data.iconUrl);
    L.Icon.Default.mergeOptions({
      iconUrl: filename(data.iconUrl),
      iconRetinaUrl: filename(data.iconRetinaUrl),
      shadowUrl: filename(data.shadowUrl),
    });

    element.textContent = "";
    element.classList.add("explore-map-ready");
    var map = L.map(element, { zoomControl: false, minZoom: 2, maxZoom: 14, zoomSnap: 0.5 });
    L.control.zoom({ zoomInTitle: data.zoomInLabel, zoomOutTitle: data.zoomOutLabel }).addTo(map);
    map.attributionControl.addAttribution(data.shapesCredit);
    map.fitBounds(REGION_BOUNDS);

    function fail(error) {
      status.textContent = data.errorMessage;
      if (window.console) console.error(error);
    }

    var shapesDrawn = getJSON(data.shapesUrl).then(function (shapes) {
      var layer = L.geoJSON(shapes, {
        interactive: false,
        style: { className: "explore-map-country", weight: 1 },
      });
      layer.addTo(map);
      layer.bringToBack();
    });

    var pointsDrawn = getJSON(data.pointsUrl).then(function (payload) {
      var clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
      var markers = payload.points.map(function (point) {
        var marker = L.marker([point[0], point[1]], { title: point[2], alt: point[2] });
        marker.bindPopup(popupContent(point));
        return marker;
      });
      if (markers.length) {
        // Move first, then cluster: the clusters are built once, at the final zoom, unanimated.
        var bounds = L.latLngBounds(payload.points.map(function (p) { return [p[0], p[1]]; }));
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 8, animate: false });
      }
      clusters.addLayers(markers);
      map.addLayer(clusters);
      element.dataset.count = String(payload.count);
    });

    // Either part shows as soon as it arrives; "loaded" means both are drawn.
    shapesDrawn.catch(fail);
    pointsDrawn.catch(fail);
    Promise.all([shapesDrawn, pointsDrawn]).then(function () {
      element.classList.add("explore-map-loaded");
    }, function () {});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
