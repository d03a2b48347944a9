// test_fs: the in-OS test of the fs server (tests/test_storage.py runs it).
#pragma once

#include <ftl/file.h>
#include <ftl/test.h>
#include <stdio.h>

extern ftl_handle_t fs;

void motd_reads(void);
void write_read_seek(void);
void append_and_truncate(void);
void rename_unlink_mkdir_rmdir(void);
void readdir_lists_everything(void);
void symlinks(void);
void bad_requests_get_clear_errors(void);
void unlinked_while_open_stays_readable(void);
void hard_links_and_times(void); // links.c
