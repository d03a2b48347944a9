// test_grants_child: spawned by test_grants, whose spec grants spawning. Its own spec
// grants nothing, so spawning must be denied to it: grants come from an app's own
// spec, never from the app that started it.
#include <ftl.h>

void app_main(const struct ftl_env *env)
{
    (void)env;
    ftl_handle_t h;
    ftl_err_t err = ftl_process_spawn("test_exit", &h);
    if (err == FTL_ERR_DENIED) {
        FTL_INFO("TEST PASS grants.child_does_not_inherit_spawn");
    } else {
        FTL_INFO("TEST FAIL grants.child_does_not_inherit_spawn: want FTL_ERR_DENIED got %s",
                 ftl_err_str(err));
    }
}
