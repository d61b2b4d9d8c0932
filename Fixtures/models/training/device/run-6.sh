#!/bin/bash
# Device run 6 (2026-11-27, right after run 5 on the same warm machine): two more minutes of the teacher from
# run 5's teacher (half run 5's learning rate), then both distillation rounds again. Everything else is run 5's:
# data, latents, refined full VAE (its decoder_refined.json marker skips the decoder stage) and slim VAE
# (vae_slim/ exists, so the slim stage is skipped and the export takes it). Expects run 5's work folder in
# /tmp/work and the diffusers wheel installed in /tmp/site as run-5.sh leaves them. Used as
#   bash Fixtures/models/training/device/run-6.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ls /tmp/work || exit 5
mkdir -p /tmp/work6/init && cp -r /tmp/work/{data.npz,captions.json,caption_ids.pt,tokenizer,vae,vae_slim,latents.pt} /tmp/work6/ \
  && cp -r /tmp/work/teacher /tmp/work/text_encoder /tmp/work6/init/ || exit 6
cd Fixtures/models/training
timeout ${BUDGET:-250} python3 train.py --device cuda --work /tmp/work6 --out /tmp/model6 --text-width 128 --text-layers 4 \
  --n-images 40000 --batch 4096 --lr 1e-3 --teacher-init /tmp/work6/init --teacher-iters 1000000 --teacher-minutes 2.1 \
  --distill-batch 512 --distill-lr 3e-4 --distill-iters 100000 --distill-minutes 0.6 --slim-channels 12,24,48 2>&1 \
  | quiet > $OUT/run6.log
grep -v "it/s" $OUT/run6.log | tail
cd /tmp/work6 && cp stats.json $OUT/
[ -d /tmp/model6 ] && tar czf $OUT/model.tgz -C /tmp model6
for d in teacher text_encoder student8; do [ -d $d ] && tar czf $OUT/$d.tgz $d; done
ls -la $OUT
