// Click-to-load video: the page makes no request to YouTube or Vimeo until the reader presses
// play; then the privacy-enhanced player is framed in place. Without JavaScript the button stays
// hidden and the link to the video remains.
(function () {
  "use strict";
  var HOSTS = ["https://www.youtube-nocookie.com/embed/", "https://player.vimeo.com/video/"];

  function allowed(url) {
    return HOSTS.some(function (prefix) { return url.indexOf(prefix) === 0; });
  }

  function play(button) {
    var box = button.closest("[data-video]");
    var url = button.getAttribute("data-embed-url") || "";
    if (!box || !allowed(url)) { return; }
    var frame = document.createElement("iframe");
    frame.src = url;
    frame.title = button.getAttribute("data-title") || "";
    frame.setAttribute("allow", "autoplay; fullscreen; picture-in-picture; encrypted-media");
    // The players refuse to play without knowing the embedding site; they get its origin only.
    frame.setAttribute("referrerpolicy", "strict-origin");
    var holder = box.querySelector("[data-video-frame]");
    var placeholder = box.querySelector("[data-video-placeholder]");
    holder.appendChild(frame);
    holder.hidden = false;
    if (placeholder) { placeholder.hidden = true; }
    frame.focus();
  }

  document.querySelectorAll("[data-video-play]").forEach(function (button) {
    if (!allowed(button.getAttribute("data-embed-url") || "")) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { play(button); });
  });
})();
