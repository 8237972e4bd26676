#!/usr/bin/env bash
# Device-model harness tests (none yet).
exit 0
