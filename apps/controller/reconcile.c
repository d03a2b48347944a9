// The controller's reconciliation: compares each app's instance with its desired
// state every tick, restarts per policy with backoff, and finishes live upgrades.
#include "controller.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct app apps[APPS_MAX];

struct app *app_find(const char *name)
{
    for (size_t i = 0; i < APPS_MAX; i++) {
        if (apps[i].name[0] && strcmp(apps[i].name, name) == 0) {
            return &apps[i];
        }
    }
    return NULL;
}

static void set_state(struct app *a, const char *state)
{
    snprintf(a->state, sizeof(a->state), "%s", state);
}

// Starts an instance of `a` from spec/bin (the app's own when NULL). routed: new clients
// of its services go to it at once.
static ftl_err_t spawn(struct app *a, const char *spec, size_t spec_len, const uint8_t *bin,
                       size_t bin_len, bool routed, ftl_handle_t *out)
{
    struct ftl_app_spawn_args args = {
        .spec = spec,
        .spec_len = spec_len,
        .image_app = spec ? NULL : a->name,
        .image_app_len = spec ? 0 : strlen(a->name),
        .binary = bin,
        .binary_len = bin ? bin_len : 0,
        .flags = routed ? FTL_SPAWN_ROUTE : 0,
    };
    return ftl_app_spawn(&args, out);
}

static void start(struct app *a, int64_t now)
{
    ftl_handle_t h;
    ftl_err_t err = spawn(a, a->spec, a->spec_len, a->bin, a->bin_len, true, &h);
    a->next_start_ns = 0;
    if (err != FTL_OK) {
        snprintf(a->message, sizeof(a->message), "cannot start: %s", ftl_err_str(err));
        FTL_WARN("%s: cannot start: %s", a->name, ftl_err_str(err));
        set_state(a, "Failed");
        return;
    }
    a->proc = h;
    a->started_ns = now;
    set_state(a, "Running");
}

static void describe_exit(const struct ftl_process_info *info, char *out, size_t cap)
{
    if (info->killed) {
        snprintf(out, cap, "killed");
    } else if (info->code == -1) {
        snprintf(out, cap, "crashed");
    } else if (info->code != 0) {
        snprintf(out, cap, "exited with code %d", (int)info->code);
    } else {
        snprintf(out, cap, "completed");
    }
}

// Ends `*h`'s process (if any) and closes the handle.
static void stop_instance(ftl_handle_t *h)
{
    if (*h) {
        (void)ftl_process_kill(*h);
        (void)ftl_handle_close(*h);
        *h = 0;
    }
}

// The instance of `a` ended: records how, and schedules a restart per policy.
static void on_exit(struct app *a, const struct ftl_process_info *info, int64_t now)
{
    (void)ftl_handle_close(a->proc);
    a->proc = 0;
    describe_exit(info, a->last_exit, sizeof(a->last_exit));
    a->last_exit_ns = now;
    bool failed = info->killed || info->code != 0;
    bool again = a->restart == FTL_RESTART_ALWAYS || (a->restart == FTL_RESTART_ON_FAILURE && failed);
    if (!again) {
        set_state(a, failed ? "Failed" : "Completed");
        return;
    }
    if (now - a->started_ns >= HEALTHY_NS || a->backoff_ns == 0) {
        a->backoff_ns = BACKOFF_BASE_NS; // it ran long enough: start over
    }
    a->next_start_ns = now + a->backoff_ns;
    FTL_INFO("%s %s; restarting in %lld ms", a->name, a->last_exit,
             (long long)(a->backoff_ns / 1000000));
    a->backoff_ns = a->backoff_ns * 2 > BACKOFF_CAP_NS ? BACKOFF_CAP_NS : a->backoff_ns * 2;
    set_state(a, "CrashLoopBackOff");
}

static void free_upgrade(struct app *a)
{
    free(a->new_spec);
    free(a->new_bin);
    a->new_spec = NULL;
    a->new_bin = NULL;
    a->new_spec_len = a->new_bin_len = 0;
}

// A live upgrade in flight: a new instance that ended before its check rolls back; one
// alive at the check gets the new clients and the old instance is stopped (its clients
// see PEER_CLOSED and reconnect, to the new one).
static void upgrade_tick(struct app *a, int64_t now)
{
    struct ftl_process_info info;
    if (ftl_process_info(a->new_proc, &info) != FTL_OK || info.exited) {
        char how[48];
        describe_exit(&info, how, sizeof(how));
        snprintf(a->message, sizeof(a->message),
                 "upgrade rolled back: the new instance %s at start; the old one still serves",
                 how);
        FTL_WARN("%s: %s", a->name, a->message);
        (void)ftl_handle_close(a->new_proc);
        a->new_proc = 0;
        free_upgrade(a);
        set_state(a, a->proc ? "Running" : "Failed");
        return;
    }
    if (now < a->new_deadline_ns) {
        return;
    }
    ftl_err_t err = ftl_app_route(a->new_proc);
    if (err != FTL_OK) {
        snprintf(a->message, sizeof(a->message), "upgrade rolled back: cannot route: %s",
                 ftl_err_str(err));
        stop_instance(&a->new_proc);
        free_upgrade(a);
        return;
    }
    stop_instance(&a->proc);
    a->proc = a->new_proc;
    a->new_proc = 0;
    a->started_ns = now;
    if (a->new_spec) {
        free(a->spec);
        a->spec = a->new_spec;
        a->spec_len = a->new_spec_len;
        a->new_spec = NULL;
    }
    if (a->new_bin) {
        free(a->bin);
        a->bin = a->new_bin;
        a->bin_len = a->new_bin_len;
        a->new_bin = NULL;
    }
    free_upgrade(a);
    store_save(a);
    snprintf(a->message, sizeof(a->message), "upgraded: the new instance serves");
    FTL_INFO("%s: upgraded: the new instance serves, the old one is stopped", a->name);
    set_state(a, "Running");
}

void reconcile_tick(void)
{
    int64_t now = ftl_time_now();
    for (size_t i = 0; i < APPS_MAX; i++) {
        struct app *a = &apps[i];
        if (!a->name[0]) {
            continue;
        }
        if (a->new_proc) {
            upgrade_tick(a, now);
        }
        struct ftl_process_info info;
        if (a->proc && ftl_process_info(a->proc, &info) == FTL_OK && info.exited) {
            on_exit(a, &info, now);
        }
        if (a->desired && !a->proc && a->next_start_ns && now >= a->next_start_ns) {
            a->restarts++;
            start(a, now);
        }
    }
}

// Starts a live upgrade of `a` to spec/bin (either may be NULL: keep the current one);
// takes them over.
static void begin_upgrade(struct app *a, char *spec, size_t spec_len, uint8_t *bin,
                          size_t bin_len, char *msg, size_t cap)
{
    if (a->new_proc) {
        stop_instance(&a->new_proc); // a newer upgrade replaces one in flight
    }
    free_upgrade(a);
    a->new_spec = spec;
    a->new_spec_len = spec_len;
    a->new_bin = bin;
    a->new_bin_len = bin_len;
    const char *s = spec ? spec : a->spec;
    size_t slen = spec ? spec_len : a->spec_len;
    const uint8_t *b = bin ? bin : a->bin;
    size_t blen = bin ? bin_len : a->bin_len;
    ftl_err_t err = spawn(a, s, slen, b, blen, false, &a->new_proc);
    if (err != FTL_OK) {
        a->new_proc = 0;
        free_upgrade(a);
        snprintf(a->message, sizeof(a->message), "upgrade refused: cannot start: %s",
                 ftl_err_str(err));
        snprintf(msg, cap, "%s", a->message);
        return;
    }
    a->new_deadline_ns = ftl_time_now() + UPGRADE_CHECK_NS;
    set_state(a, "Upgrading");
    snprintf(msg, cap, "upgrading %s: the new instance takes over if it runs for 1 s", a->name);
}

static struct app *new_record(const char *name)
{
    for (size_t i = 0; i < APPS_MAX; i++) {
        if (!apps[i].name[0]) {
            memset(&apps[i], 0, sizeof(apps[i]));
            snprintf(apps[i].name, sizeof(apps[i].name), "%s", name);
            return &apps[i];
        }
    }
    return NULL;
}

void app_apply(const struct ftl_spec_info *info, const char *spec, size_t len, uint8_t *bin,
               size_t bin_len, char *msg, size_t cap)
{
    char *copy = malloc(len + 1);
    struct app *a = app_find(info->name);
    if (!a) {
        a = new_record(info->name);
    }
    if (!copy || !a) {
        free(copy);
        free(bin);
        snprintf(msg, cap, "the controller is full");
        return;
    }
    memcpy(copy, spec, len);
    copy[len] = '\0';
    a->restart = info->restart;
    a->isolation = info->isolation;
    bool running = a->proc != 0;
    a->desired = true;
    if (running) {
        begin_upgrade(a, copy, len, bin, bin_len, msg, cap);
        return;
    }
    free(a->spec);
    a->spec = copy;
    a->spec_len = len;
    if (bin) {
        free(a->bin);
        a->bin = bin;
        a->bin_len = bin_len;
    }
    a->backoff_ns = 0;
    start(a, ftl_time_now());
    store_save(a);
    snprintf(msg, cap, "%s %s", info->name, a->proc ? "started" : a->message);
}

void app_upgrade_binary(struct app *a, uint8_t *bin, size_t bin_len, char *msg, size_t cap)
{
    a->desired = true;
    if (!a->proc) {
        free(a->bin);
        a->bin = bin;
        a->bin_len = bin_len;
        start(a, ftl_time_now());
        store_save(a);
        snprintf(msg, cap, "%s %s with the new binary", a->name,
                 a->proc ? "started" : "could not start");
        return;
    }
    begin_upgrade(a, NULL, 0, bin, bin_len, msg, cap);
}

void app_delete(struct app *a)
{
    stop_instance(&a->new_proc);
    stop_instance(&a->proc);
    free_upgrade(a);
    free(a->spec);
    free(a->bin);
    store_remove(a->name);
    FTL_INFO("%s deleted: stopped", a->name);
    memset(a, 0, sizeof(*a));
}

void app_stop(struct app *a)
{
    a->desired = false;
    a->next_start_ns = 0;
    stop_instance(&a->new_proc);
    free_upgrade(a);
    if (a->proc) {
        stop_instance(&a->proc);
        snprintf(a->last_exit, sizeof(a->last_exit), "stopped");
        a->last_exit_ns = ftl_time_now();
    }
    snprintf(a->state, sizeof(a->state), "Stopped");
    FTL_INFO("%s stopped", a->name);
}

void app_restart_now(struct app *a)
{
    stop_instance(&a->proc);
    a->desired = true;
    a->restarts++;
    start(a, ftl_time_now());
}

// The image's apps: adopts each running instance so it can be watched and stopped.
void reconcile_init(void)
{
    static struct ftl_app_entry list[APPS_MAX];
    size_t n = 0;
    if (ftl_apps(list, APPS_MAX, &n) != FTL_OK) {
        FTL_WARN("cannot list the image's apps");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        list[i].name[sizeof(list[i].name) - 1] = '\0';
        if (strcmp(list[i].name, "controller") == 0) {
            continue;
        }
        struct app *a = new_record(list[i].name);
        if (!a) {
            break;
        }
        a->from_image = true;
        a->isolation = list[i].isolation;
        a->restart = (list[i].flags >> FTL_APP_RESTART_SHIFT) & 3;
        a->desired = (list[i].flags & FTL_APP_STARTS) != 0;
        if (!(list[i].flags & FTL_APP_RUNNING)) {
            set_state(a, "Failed");
            snprintf(a->last_exit, sizeof(a->last_exit), "did not start at boot");
        } else if (ftl_app_adopt(a->name, strlen(a->name), &a->proc) == FTL_OK) {
            a->started_ns = ftl_time_now();
            set_state(a, "Running");
        } else {
            set_state(a, "Completed"); // it ended before the controller started
            snprintf(a->last_exit, sizeof(a->last_exit), "ended before the controller started");
        }
    }
}
