// Swagger UI for the server that served this page. "Try it out" sends requests to the page's own
// origin, listed first, so it works wherever the server runs, not only at the spec's default address.
window.addEventListener("load", async () => {
  const response = await fetch(document.body.dataset.specUrl);
  const spec = await response.json();
  const here = { url: window.location.origin, description: "This server" };
  spec.servers = [here, ...(spec.servers ?? []).filter((server) => server.url !== here.url)];
  window.ui = SwaggerUIBundle({
    spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // never send the spec to validator.swagger.io
  });
});
