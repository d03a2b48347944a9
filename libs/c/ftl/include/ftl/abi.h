// The contract between the kernel and every app: error codes, message types,
// rights, event bits and limits. Shared verbatim by the kernel and the SDK.
#pragma once

#include <stdint.h>
#include <stddef.h>

typedef int32_t ftl_err_t;      // FTL_OK or a negative FTL_ERR_* code
typedef int32_t ftl_handle_t;   // index into the calling process's handle table

#define FTL_MUST_CHECK __attribute__((warn_unused_result))

// Error codes. FTL_OK is 0; every error is negative. ftl_err_str() names them.
#define FTL_OK 0
#define FTL_ERR_NO_MEMORY -1      // the kernel or the app ran out of memory
#define FTL_ERR_FULL -2           // the peer's queue is full: retry after FTL_WRITABLE
#define FTL_ERR_EMPTY -3          // nothing to receive yet: wait for FTL_READABLE
#define FTL_ERR_PEER_CLOSED -4    // the other end of the channel is closed
#define FTL_ERR_BAD_HANDLE -5     // the handle is not open in this process
#define FTL_ERR_WRONG_TYPE -6     // the handle is open but names another kind of object
#define FTL_ERR_NO_RIGHTS -7      // the handle lacks the right the call needs
#define FTL_ERR_INVALID_ARG -8    // an argument is out of range or malformed
#define FTL_ERR_TOO_LARGE -9      // a length or count is over its documented limit
#define FTL_ERR_TOO_MANY -10      // a table (handles, registrations) is full
#define FTL_ERR_TIMED_OUT -11     // the wait ended before any event
#define FTL_ERR_NOT_FOUND -12     // no such name (environ key, service, app)
#define FTL_ERR_BAD_ADDRESS -13   // a pointer from the app is not valid app memory
#define FTL_ERR_ALREADY_EXISTS -14 // the object is already registered
#define FTL_ERR_BUSY -15          // the object is in use by another waiter
#define FTL_ERR_PARSE -16         // malformed input (spec, ELF, URI)
#define FTL_ERR_UNSUPPORTED -17   // valid request this build does not implement
#define FTL_ERR_BUFFER_TOO_SMALL -18 // the output buffer cannot hold the result
#define FTL_ERR_DENIED -19        // the app's spec grants it no such call (docs/specs.md)
#define FTL_ERR_COUNT 20          // number of codes, FTL_OK included

// Message types (DESIGN §4).
#define FTL_MSG_CONNECT 1     // handles[0] is a new channel to a client; data is the uri
#define FTL_MSG_DATA 2        // a chunk of bytes
#define FTL_MSG_OPEN 3        // open the resource named by the uri in data; reply by cookie
#define FTL_MSG_OPEN_REPLY 4  // handles[0] is the channel for the resource of `cookie`
#define FTL_MSG_ERROR_REPLY 5 // data holds an ftl_err_t (4 bytes, little endian)

// Channel limits. Documented in docs/channels.md.
#define FTL_MSG_DATA_MAX 4096      // bytes of payload per message
#define FTL_MSG_HANDLES_MAX 4      // handles per message
#define FTL_CHANNEL_QUEUE_MAX 64   // messages queued per channel end
#define FTL_PROCESS_HANDLES_MAX 256 // open handles per process

// Rights carried by a handle.
#define FTL_RIGHT_READ (1u << 0)     // receive messages
#define FTL_RIGHT_WRITE (1u << 1)    // send messages
#define FTL_RIGHT_TRANSFER (1u << 2) // move the handle to another process
#define FTL_RIGHT_WAIT (1u << 3)     // watch it with poll
#define FTL_RIGHTS_ALL 0xfu

// Poll event bits.
#define FTL_READABLE (1u << 0)    // a message is queued (channel) or the timer fired
#define FTL_WRITABLE (1u << 1)    // the peer's queue has room
#define FTL_PEER_CLOSED (1u << 2) // the peer end closed (always reported)
#define FTL_RECEIVE (1u << 3)     // channels: ftl_poll_wait_msg receives the oldest message
                                  // with the event (interest), and did (in the event)

#define FTL_NO_TIMEOUT INT64_MAX  // wait forever

// Object kinds, as reported by ftl_handle_kind().
#define FTL_OBJ_CHANNEL 1
#define FTL_OBJ_POLL 2
#define FTL_OBJ_TIMER 3
#define FTL_OBJ_PROCESS 4 // readable once the process has exited
#define FTL_OBJ_IRQ 5     // readable once the interrupt fired, until ftl_irq_ack
#define FTL_OBJ_VM 6      // a virtual machine (<ftl/vm.h>)

// Log levels.
#define FTL_LOG_DEBUG 0
#define FTL_LOG_INFO 1
#define FTL_LOG_WARN 2
#define FTL_LOG_ERROR 3

/// Names an error code: "FTL_ERR_FULL", ...; "FTL_ERR_UNKNOWN" for codes not listed.
static inline const char *ftl_err_name(ftl_err_t err)
{
    static const char *const names[FTL_ERR_COUNT] = {
        "FTL_OK", "FTL_ERR_NO_MEMORY", "FTL_ERR_FULL", "FTL_ERR_EMPTY", "FTL_ERR_PEER_CLOSED",
        "FTL_ERR_BAD_HANDLE", "FTL_ERR_WRONG_TYPE", "FTL_ERR_NO_RIGHTS", "FTL_ERR_INVALID_ARG",
        "FTL_ERR_TOO_LARGE", "FTL_ERR_TOO_MANY", "FTL_ERR_TIMED_OUT", "FTL_ERR_NOT_FOUND",
        "FTL_ERR_BAD_ADDRESS", "FTL_ERR_ALREADY_EXISTS", "FTL_ERR_BUSY", "FTL_ERR_PARSE",
        "FTL_ERR_UNSUPPORTED", "FTL_ERR_BUFFER_TOO_SMALL", "FTL_ERR_DENIED",
    };
    return err <= 0 && err > -FTL_ERR_COUNT ? names[-err] : "FTL_ERR_UNKNOWN";
}
