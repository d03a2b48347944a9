// Shared by the apiserver's files: a response being built, and the routes that build one.
#pragma once

#include <ftl.h>
#include <ftl/http.h>

/// Largest response: the dashboard, or 8 KiB of log lines as JSON with escapes.
#define RESPONSE_MAX (48 * 1024)

/// Where a route writes its response: a status, a content type and a body, which
/// routes.c turns into bytes with ftl_http_writer.
struct response {
    char *buf;       // RESPONSE_MAX bytes: head + body
    size_t len;      // bytes of buf used once finished
    bool keep_alive; // false: close the connection after sending it
};

/// Answers `req` into `out`. Always produces a response (errors become 4xx/5xx).
void route_request(const struct ftl_http_request *req, struct response *out);

/// Gives the routes the tcpip service channel, which /api/stats asks for its counters.
void routes_set_tcpip(ftl_handle_t tcpip);

/// An error response with a one-line text body (`why` may be NULL), `Connection: close`.
void respond_error(struct response *out, uint16_t status, const char *why);

/// The dashboard page (dashboard.c): HTML with its CSS and JS inline.
extern const char dashboard_html[];

/// A complete response with `body` (routes.c).
void respond_body(struct response *out, uint16_t status, const char *type, const void *body,
                  size_t len, bool keep_alive);

/// Gives /api/apps the controller service channel (apps_api.c).
void routes_set_controller(ftl_handle_t controller);

/// GET /api/trace/NAME?since=SEQ (trace_api.c).
void trace_request(const char *name, long since, struct response *out, bool keep_alive);

/// Answers the /api/apps requests (apps_api.c); false if `req` is not one.
bool route_apps(const struct ftl_http_request *req, struct response *out);
