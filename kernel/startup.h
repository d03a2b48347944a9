// The startup process: wires and starts the apps of the boot image.
#pragma once

/// Reads the specs in the boot image, reports errors, wires services, starts apps.
void startup_run(void);
