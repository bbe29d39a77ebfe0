// Keeps a filter disclosure open when htmx swaps the list it belongs to, so that a reader on a
// phone who ticks a box stays in the filters. Without this script the filters work the same,
// the disclosure only closes after each change.
(function () {
  var keepOpen = false;
  document.addEventListener("htmx:beforeSwap", function () {
    keepOpen = document.querySelector("details.filters[open]") !== null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!keepOpen) return;
    document.querySelectorAll("details.filters").forEach(function (details) {
      details.open = true;
    });
  });
})();
