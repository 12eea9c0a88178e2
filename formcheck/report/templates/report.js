
(function () {
  var body = document.body, video = document.getElementById("video");
  function ready() { body.dataset.videoReady = "1"; }
  if (video) {
    if (video.readyState >= 1) { ready(); } else { video.addEventListener("loadedmetadata", ready); }
    video.addEventListener("error", function () {
      body.dataset.videoReady = "error";
      var note = document.getElementById("video-missing");
      if (note) { note.hidden = false; }
    });
  }
  var targets = Array.prototype.slice.call(document.querySelectorAll("[data-seek]"));
  function seek(el) {
    if (!video) { return; }
    video.currentTime = parseFloat(el.getAttribute("data-seek"));
    video.scrollIntoView({behavior: "smooth", block: "nearest"});
    var p = video.play();
    if (p && p.catch) { p.catch(function () {}); }
  }
  targets.forEach(function (el) {
    el.addEventListener("click", function () { seek(el); });
    el.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); seek(el); }
    });
  });
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-seek]"));
  if (video) {
    video.addEventListener("timeupdate", function () {
      var t = video.currentTime;
      rows.forEach(function (row) {
        var on = t >= parseFloat(row.getAttribute("data-seek")) && t <= parseFloat(row.getAttribute("data-end"));
        row.classList.toggle("playing", on);
      });
    });
  }
  window.addEventListener("load", function () {
    var shown = 0;
    document.querySelectorAll(".plot-svg, .thumbs img").forEach(function (el) {
      var box = el.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && (el.tagName !== "IMG" || el.naturalWidth > 0)) { shown += 1; }
    });
    body.dataset.figuresShown = String(shown);
  });
})();
