// The commune list follows the chosen province. Without JavaScript the form's
// "show the communes" button does the same by reloading the page.
(function () {
  "use strict";
  document.querySelectorAll("[data-province-select]").forEach(function (province) {
    var form = province.form;
    var commune = form && form.querySelector("[data-commune-select]");
    if (!commune) return;
    province.addEventListener("change", function () {
      var url = commune.getAttribute("data-url") + "?province=" + encodeURIComponent(province.value);
      commune.disabled = true;
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          var first = commune.options[0];
          commune.innerHTML = "";
          commune.appendChild(first);
          data.communes.forEach(function (item) {
            commune.appendChild(new Option(item.name, item.code));
          });
        })
        .finally(function () { commune.disabled = false; });
    });
  });
})();
