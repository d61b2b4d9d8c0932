#!/bin/bash
# Device run 4 (2026-11-27, after run 3): a wider slim decoder, channels (12, 24, 48) instead of (8, 16, 32),
# distilled from run 3's full decoder on latents sampled by run 3's 8-step student. Run from the repository root
# on a machine with one CUDA GPU, where .gpu/work4.tgz holds the folder work4: run 3's data, tokenizer, text_encoder,
# student8 and vae (with its decoder_refined.json marker), and empty teacher/ and student16/ folders so those stages
# are skipped; .gpu/whl the diffusers wheel. Used as
#   BUDGET=200 SLIM_MIN=1.6 bash Fixtures/models/training/device/run-4.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
start_run work4
timeout ${BUDGET:-200} python3 train.py --device cuda --work /tmp/work --out /tmp/model --text-width 128 --text-layers 4 \
  --n-images 40000 --vae-batch 256 --slim-latents 4096 --slim-channels 12,24,48 \
  --slim-iters 100000 --slim-minutes ${SLIM_MIN:-1.6} 2>&1 \
  | quiet > $OUT/run4.log
echo "run ended after $(( $(date +%s) - T0 )) s"; grep -v "it/s" $OUT/run4.log | tail -12
cd /tmp/work && cp stats.json $OUT/ 2>/dev/null
[ -d /tmp/model ] && tar czf $OUT/model.tgz -C /tmp model
ls -la $OUT
