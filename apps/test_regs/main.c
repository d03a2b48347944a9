// test_regs: no kernel value reaches a user app through its registers. A kernel call
// is a function call to the app (the `svc` stubs of <ftl/calls.h>), so after it x0 is
// the result, x1-x18 are zero (the kernel clears what it may have used), d8-d15 keep the
// app's values (callee-saved) and every other FP/SIMD bit is the app's own or zero; after
// a call during which another thread ran, those others are zero (kernel/arch/arm64/
// vectors.S, svc_fast).
#include <ftl/test.h>
#include <stdint.h>
#include <string.h>

extern const struct ftl_calls *ftl_calls_; // the call table (libs/c/ftl/src/ftl.c)

struct regs {
    uint64_t x[19];     // x0-x18 after the call
    uint64_t q[32][2];  // q0-q31 after the call (low, high)
};

// regs_call(fn, a0, a1, a2, out): calls fn(a0, a1, a2) with x3-x18 and every FP/SIMD
// register filled with patterns (0xa5 bytes; x<n> = 0xa500 + n), stores the registers
// it returns with into *out.
uint64_t regs_call(void *fn, uint64_t a0, uint64_t a1, uint64_t a2, struct regs *out);
__asm__(".text\n"
        ".global regs_call\n"
        "regs_call:\n"
        "  stp x29, x30, [sp, #-96]!\n"
        "  mov x29, sp\n"
        "  stp x19, x20, [sp, #16]\n"
        "  stp d8, d9, [sp, #32]\n"
        "  stp d10, d11, [sp, #48]\n"
        "  stp d12, d13, [sp, #64]\n"
        "  stp d14, d15, [sp, #80]\n"
        "  mov x19, x0\n"
        "  mov x20, x4\n"
        "  mov x0, x1\n"
        "  mov x1, x2\n"
        "  mov x2, x3\n"
        "  movi v0.16b, #0xa5\n  movi v1.16b, #0xa5\n  movi v2.16b, #0xa5\n"
        "  movi v3.16b, #0xa5\n  movi v4.16b, #0xa5\n  movi v5.16b, #0xa5\n"
        "  movi v6.16b, #0xa5\n  movi v7.16b, #0xa5\n  movi v8.16b, #0xa5\n"
        "  movi v9.16b, #0xa5\n  movi v10.16b, #0xa5\n  movi v11.16b, #0xa5\n"
        "  movi v12.16b, #0xa5\n  movi v13.16b, #0xa5\n  movi v14.16b, #0xa5\n"
        "  movi v15.16b, #0xa5\n  movi v16.16b, #0xa5\n  movi v17.16b, #0xa5\n"
        "  movi v18.16b, #0xa5\n  movi v19.16b, #0xa5\n  movi v20.16b, #0xa5\n"
        "  movi v21.16b, #0xa5\n  movi v22.16b, #0xa5\n  movi v23.16b, #0xa5\n"
        "  movi v24.16b, #0xa5\n  movi v25.16b, #0xa5\n  movi v26.16b, #0xa5\n"
        "  movi v27.16b, #0xa5\n  movi v28.16b, #0xa5\n  movi v29.16b, #0xa5\n"
        "  movi v30.16b, #0xa5\n  movi v31.16b, #0xa5\n"
        "  mov x3, #0xa503\n  mov x4, #0xa504\n  mov x5, #0xa505\n  mov x6, #0xa506\n"
        "  mov x7, #0xa507\n  mov x8, #0xa508\n  mov x9, #0xa509\n  mov x10, #0xa50a\n"
        "  mov x11, #0xa50b\n  mov x12, #0xa50c\n  mov x13, #0xa50d\n  mov x14, #0xa50e\n"
        "  mov x15, #0xa50f\n  mov x16, #0xa510\n  mov x17, #0xa511\n  mov x18, #0xa512\n"
        "  blr x19\n"
        "  stp x0, x1, [x20, #0]\n   stp x2, x3, [x20, #16]\n  stp x4, x5, [x20, #32]\n"
        "  stp x6, x7, [x20, #48]\n  stp x8, x9, [x20, #64]\n  stp x10, x11, [x20, #80]\n"
        "  stp x12, x13, [x20, #96]\n  stp x14, x15, [x20, #112]\n"
        "  stp x16, x17, [x20, #128]\n str x18, [x20, #144]\n"
        "  add x1, x20, #152\n"
        "  stp q0, q1, [x1, #0]\n    stp q2, q3, [x1, #32]\n   stp q4, q5, [x1, #64]\n"
        "  stp q6, q7, [x1, #96]\n   stp q8, q9, [x1, #128]\n  stp q10, q11, [x1, #160]\n"
        "  stp q12, q13, [x1, #192]\n stp q14, q15, [x1, #224]\n"
        "  stp q16, q17, [x1, #256]\n stp q18, q19, [x1, #288]\n"
        "  stp q20, q21, [x1, #320]\n stp q22, q23, [x1, #352]\n"
        "  stp q24, q25, [x1, #384]\n stp q26, q27, [x1, #416]\n"
        "  stp q28, q29, [x1, #448]\n stp q30, q31, [x1, #480]\n"
        "  ldp d8, d9, [sp, #32]\n"
        "  ldp d10, d11, [sp, #48]\n"
        "  ldp d12, d13, [sp, #64]\n"
        "  ldp d14, d15, [sp, #80]\n"
        "  ldp x19, x20, [sp, #16]\n"
        "  ldp x29, x30, [sp], #96\n"
        "  ret\n");

#define PATTERN 0xa5a5a5a5a5a5a5a5ull

static struct regs r;

static void x1_to_x18_are_zero(void)
{
    for (int i = 1; i <= 18; i++) {
        if (r.x[i] != 0) {
            FTL_ERROR("x%d = %#llx after a kernel call", i, (unsigned long long)r.x[i]);
            CHECK(r.x[i] == 0);
        }
    }
}

// d8-d15: the app's low halves; every other bit: the app's pattern or zero (`switched`:
// zero).
static void fp_is_own_or_zero(bool switched)
{
    for (int i = 0; i < 32; i++) {
        bool callee = i >= 8 && i <= 15;
        uint64_t lo = r.q[i][0], hi = r.q[i][1];
        bool ok = callee ? lo == PATTERN && (hi == 0 || (!switched && hi == PATTERN))
                         : (lo == 0 && hi == 0) || (!switched && lo == PATTERN && hi == PATTERN);
        if (!ok) {
            FTL_ERROR("q%d = %#llx:%#llx after a kernel call%s", i, (unsigned long long)hi,
                      (unsigned long long)lo, switched ? " that switched threads" : "");
            CHECK(ok);
        }
    }
}

static void a_rejected_call_returns_no_kernel_values(void)
{
    uint64_t ret = regs_call((void *)ftl_calls_->handle_close, 0, 0, 0, &r);
    CHECK((ftl_err_t)ret == FTL_ERR_BAD_HANDLE);
    x1_to_x18_are_zero();
    fp_is_own_or_zero(false);
}

static void a_successful_call_returns_no_kernel_values(void)
{
    ftl_handle_t a, b;
    CHECK_OK(ftl_channel_create(&a, &b));
    CHECK_OK(ftl_channel_send_data(a, "regs", 4));
    static struct ftl_msg m;
    uint64_t ret = regs_call((void *)ftl_calls_->channel_recv, b, (uint64_t)(uintptr_t)&m, 0, &r);
    CHECK_OK((ftl_err_t)ret);
    CHECK(m.len == 4 && memcmp(m.data, "regs", 4) == 0);
    x1_to_x18_are_zero();
    fp_is_own_or_zero(false);
    CHECK_OK(ftl_handle_close(a));
    CHECK_OK(ftl_handle_close(b));
}

// A wait that blocks: the CPU runs other threads meanwhile (at least the idle one), which
// may leave their values in the FP/SIMD registers.
static void a_call_that_blocks_returns_no_values_of_other_threads(void)
{
    ftl_handle_t poll;
    CHECK_OK(ftl_poll_create(&poll));
    struct ftl_event ev;
    uint64_t ret = regs_call((void *)ftl_calls_->poll_wait, poll, 2000000, (uint64_t)(uintptr_t)&ev,
                             &r);
    CHECK((ftl_err_t)ret == FTL_ERR_TIMED_OUT);
    x1_to_x18_are_zero();
    fp_is_own_or_zero(true);
    CHECK_OK(ftl_handle_close(poll));
}

void app_main(const struct ftl_env *env)
{
    (void)env;
    run_test("regs.a_rejected_call_returns_no_kernel_values",
             a_rejected_call_returns_no_kernel_values);
    run_test("regs.a_successful_call_returns_no_kernel_values",
             a_successful_call_returns_no_kernel_values);
    run_test("regs.a_call_that_blocks_returns_no_values_of_other_threads",
             a_call_that_blocks_returns_no_values_of_other_threads);
    FTL_INFO("TEST DONE passed=%d failed=%d", test_state.passed, test_state.failed);
}
