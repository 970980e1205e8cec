// The card page (/don-hang/<token>/the/): Stripe.js shows the card field and turns the card
// into a token, talking to Stripe directly; only the token's id is posted to the site, which
// charges it (marketplace/payments/card.py). When the bank asks for 3-D Secure the page comes
// back with data-stage="authenticate": Stripe.js runs it, then the page is opened again and
// the site checks the PaymentIntent itself.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") return; // the page's notice stays shown
  var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
  var error = document.getElementById("card-error");
  var button = form.querySelector("button[type=submit]");
  document.getElementById("card-needs-js").hidden = true;

  function fail(message) {
    error.textContent = message || form.getAttribute("data-failed");
    error.hidden = false;
    button.disabled = false;
  }

  if (form.getAttribute("data-stage") === "authenticate") {
    var back = function () { window.location.replace(form.getAttribute("data-check-url")); };
    stripe.confirmCardPayment(form.getAttribute("data-client-secret")).then(back, back);
    return;
  }

  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  form.hidden = false;

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    Promise.resolve()
      .then(function () { return stripe.createToken(card); })
      .then(function (result) {
        if (!result || result.error || !result.token) {
          fail(result && result.error && result.error.message);
          return;
        }
        form.elements.token.value = result.token.id;
        form.submit();
      }, function () { fail(); });
  });
})();
