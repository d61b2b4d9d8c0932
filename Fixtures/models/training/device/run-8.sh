#!/bin/bash
# Device run 8 (2026-11-28, right after run 7 on the same warm machine): two more minutes of the teacher from run 7's
# teacher and text encoder at half its learning rate (run 7 shared the GPU with the full-decoder process and managed
# 637 iterations), then both distillation rounds again. Everything else is run 7's (data, tuned slim encoder, its
# latents, vae_slim/). Expects run 7's work folder in /tmp/work and the wheel in /tmp/site as run-7.sh leaves them:
#   bash Fixtures/models/training/device/run-8.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p /tmp/work8/init && cp -r /tmp/work/{data.npz,captions.json,caption_ids.pt,tokenizer,vae,vae_slim,latents.pt} /tmp/work8/ \
  && cp -r /tmp/work/teacher /tmp/work/text_encoder /tmp/work8/init/ || exit 6
cd Fixtures/models/training
timeout ${BUDGET:-225} python3 train.py --device cuda --work /tmp/work8 --out /tmp/model8 --text-width 128 --text-layers 4 \
  --n-images 40000 --slim-channels 12,24,48 --vae-from-slim --keep-scaling --batch 4096 --lr 5e-4 \
  --teacher-init /tmp/work8/init --teacher-iters 1000000 --teacher-minutes ${TEACHER_MIN:-2.0} \
  --distill-batch 512 --distill-lr 3e-4 --distill-iters 100000 --distill-minutes ${DISTILL_MIN:-0.6} 2>&1 | quiet > $OUT/run8.log
grep -v "it/s" $OUT/run8.log | tail -6
cd /tmp/work8 && cp stats.json $OUT/stats8.json; for d in teacher text_encoder student8; do [ -d $d ] && tar czf $OUT/$d.tgz $d; done
ls -la $OUT
