// The door page (templates/events/door.html): check people in by the QR code, read from the
// camera with the vendored jsQR (static/js/vendor/jsqr), or by the code typed. Without this
// script the form posts and the page answers; with it, the answer comes back as JSON.
(function () {
  "use strict";
  var form = document.querySelector("[data-door-form]");
  if (!form) return;
  var answer = document.querySelector("[data-door-answer]");
  var count = document.querySelector("[data-door-count]");
  var codeInput = form.querySelector("input[name=code]");
  var busy = false;

  function show(data) {
    var box = document.createElement("div");
    box.className = "alert " + (!data.ok ? "alert--error" : data.already ? "alert--warning" : "alert--success");
    var line = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = data.message || "";
    line.appendChild(strong);
    if (data.mode) line.appendChild(document.createTextNode(" " + data.mode));
    box.appendChild(line);
    answer.replaceChildren(box);
    if (data.count && count) count.textContent = data.count;
  }

  function send(fields) {
    if (busy) return Promise.resolve();
    busy = true;
    var body = new FormData(form);
    body.set("code", fields.code || "");
    body.set("token", fields.token || "");
    return fetch(window.location.href, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { show({ ok: false, message: form.dataset.offline || "The server did not answer. Try again." }); })
      .finally(function () { busy = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send({ code: codeInput.value }).then(function () {
      codeInput.value = "";
      codeInput.focus();
    });
  });

  // --- The camera ------------------------------------------------------------------------
  var scan = document.querySelector("[data-door-scan]");
  if (!scan) return;
  var startButton = scan.querySelector("[data-door-camera]");
  var video = scan.querySelector("[data-door-video]");
  var problem = scan.querySelector("[data-door-camera-problem]");
  scan.hidden = false;
  var canUseCamera = window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR;
  if (!canUseCamera) {
    startButton.hidden = true;
    problem.hidden = false;
    return;
  }
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var last = { data: "", at: 0 };

  function look() {
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      var now = Date.now();
      // The same pass held in front of the camera: once every three seconds, not every frame.
      if (code && code.data && (code.data !== last.data || now - last.at > 3000)) {
        last = { data: code.data, at: now };
        send({ token: code.data });
      }
    }
    window.requestAnimationFrame(look);
  }

  startButton.addEventListener("click", function () {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        startButton.hidden = true;
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(look); })
      .catch(function () { problem.hidden = false; });
  });
})();
