// The module's umbrella header: the engine's elementwise kernels and the Winograd transforms.
#include "engine_kernels.h"
#include "winograd.h"
