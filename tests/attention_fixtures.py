"""A tiny BERT-like masked-LM with a WordPiece tokenizer, built offline (for the attention tests)."""

from __future__ import annotations

from pathlib import Path

from tiny import CORPUS


def make_wordpiece_tokenizer(folder: Path | None = None):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(CORPUS, trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    fast = BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
                             cls_token="[CLS]", mask_token="[MASK]")
    if folder is not None:
        fast.save_pretrained(folder)
    return fast


def make_bert(folder: Path, seed: int = 0) -> Path:
    """Save a tiny random BertForMaskedLM (2 layers, 4 heads, hidden 32) with its tokenizer into ``folder``."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    folder.mkdir(parents=True, exist_ok=True)
    tok = make_wordpiece_tokenizer(folder)
    config = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=256, pad_token_id=tok.pad_token_id)
    torch.manual_seed(seed)
    BertForMaskedLM(config).save_pretrained(folder)
    return folder
