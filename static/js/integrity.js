// Self-assessment: each answer is saved as soon as it is chosen (the form also works without
// this script, with its Save buttons). The answer goes to the form's own address with the
// value shown before ("was…"), so the server only records what this person changed.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector("[data-autosave-status]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var lang = document.documentElement.lang || "en";
  var words = {
    en: { saving: "Saving…", saved: "Saved at ", failed: "Not saved: " },
    es: { saving: "Guardando…", saved: "Guardado a las ", failed: "No se guardó: " }
  }[lang.slice(0, 2)] || { saving: "Saving…", saved: "Saved at ", failed: "Not saved: " };

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "radio" || !/^q\d+$/.test(input.name)) { return; }
    var id = input.name.slice(1);
    var was = form.querySelector("input[name=was" + id + "]");
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token.value);
    data.append(input.name, input.value);
    if (was) { data.append("was" + id, was.value); }
    status.textContent = words.saving;
    fetch(form.action || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok && result.body.saved) {
        if (was) { was.value = input.value; }
        status.textContent = words.saved + result.body.at;
      } else {
        status.textContent = words.failed + (result.body.message || "");
      }
    }).catch(function () {
      status.textContent = words.failed + "—";
    });
  });
}());
