// lwIP error codes mapped to FTL's, for the tcpip app's replies to its clients.
#include "ftl/lwip.h"

ftl_err_t ftl_lwip_err(err_t err)
{
    switch (err) {
    case ERR_OK:
        return FTL_OK;
    case ERR_MEM:
        return FTL_ERR_NO_MEMORY;
    case ERR_BUF:
    case ERR_WOULDBLOCK:
        return FTL_ERR_FULL;
    case ERR_TIMEOUT:
        return FTL_ERR_TIMED_OUT;
    case ERR_RTE:
        return FTL_ERR_NOT_FOUND;
    case ERR_INPROGRESS:
        return FTL_ERR_BUSY;
    case ERR_VAL:
    case ERR_ARG:
        return FTL_ERR_INVALID_ARG;
    case ERR_USE:
    case ERR_ALREADY:
    case ERR_ISCONN:
        return FTL_ERR_ALREADY_EXISTS;
    case ERR_CONN:
    case ERR_CLSD:
    case ERR_RST:
    case ERR_ABRT:
        return FTL_ERR_PEER_CLOSED;
    default:
        return FTL_ERR_UNSUPPORTED;
    }
}
