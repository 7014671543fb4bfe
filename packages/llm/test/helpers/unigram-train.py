"""Trains a small SentencePiece Unigram model (nmt_nfkc normalization) and encodes strings with it:
the truth for ix's Unigram tokenizer. stdin: {"corpus": [...], "inputs": [...], "model": path,
"vocab_size": n, "options": {...}}; stdout: {"ids": [[...], ...]}."""
import io
import json
import sys

import sentencepiece as spm

req = json.load(sys.stdin)
options = dict(model_type="unigram", vocab_size=req["vocab_size"], normalization_rule_name="nmt_nfkc",
               character_coverage=0.9995, hard_vocab_limit=False, num_threads=1, seed_sentencepiece_size=100000,
               minloglevel=2, user_defined_symbols=["<sep_user>"])
options.update(req.get("options", {}))
model = io.BytesIO()
spm.SentencePieceTrainer.train(sentence_iterator=iter(req["corpus"]), model_writer=model, **options)
with open(req["model"], "wb") as f:
    f.write(model.getvalue())
sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
json.dump({"ids": [sp.encode(s) for s in req["inputs"]]}, sys.stdout)
