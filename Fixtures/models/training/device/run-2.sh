#!/bin/bash
# Run from the repository root after run-1.sh, with .gpu/work2 holding run 1's data, vae, the 8-step student (as
# student8), text_encoder, and empty teacher/ and student16/ folders (so those stages are skipped). Used as
#   BUDGET=195 DEC_MIN=1.0 SLIM_MIN=0.8 bash run-2.sh     (2026-11-27, one H200, 176 s)
# Device run 2: longer decoder refinement (encoder frozen) and slim-decoder distillation for the trained student.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_wheel
cp -r .gpu/work2 /tmp/work
cd Fixtures/models/training
timeout ${BUDGET:-200} python3 train.py --device cuda --work /tmp/work --out /tmp/model --text-width 128 --text-layers 4 \
  --n-images 40000 --batch 256 --vae-batch 128 --distill-batch 128 --slim-latents 4096 \
  --decoder-iters 100000 --decoder-minutes ${DEC_MIN:-1.2} --slim-iters 100000 --slim-minutes ${SLIM_MIN:-0.9} 2>&1 \
  | quiet > $OUT/run2.log
tail -12 $OUT/run2.log
cd /tmp/work && cp stats.json $OUT/ 2>/dev/null; grep scaling vae/config.json
[ -d /tmp/model ] && tar czf $OUT/model.tgz -C /tmp model
tar czf $OUT/vae.tgz vae
ls -la $OUT
