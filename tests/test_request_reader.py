"""The learned request reader: plain-JSON weights that read as scikit-learn does, and what the agent offers."""

from __future__ import annotations

import math

from assistant.cli.evaluate import NAMED
from assistant.dialogue.intents import keyword_writes, requested_writes
from assistant.dialogue.request_reader import KINDS, RequestReader, char_ngrams, default_reader
from assistant.evaluation.reader_training import no_change_examples, score, task_examples, train

SMALL = [("please cancel my order", {"cancel"}), ("cancel it, I ordered by mistake", {"cancel"}),
         ("I want a refund for the lamp", {"return"}), ("send the lamp back for a refund", {"return"}),
         ("ship it to my new address", {"address"}), ("change the delivery address", {"address"}),
         ("pay with my gift card instead", {"payment"}), ("use paypal to pay", {"payment"}),
         ("swap the shirt for a large one", {"items"}), ("I want the blue one instead", {"items"}),
         ("where is my parcel", set()), ("what is the tracking number", set()), ("取消这个订单", {"cancel"}),
         ("我要退货退款", {"return"})]


def test_plain_json_weights_read_exactly_as_scikit_learn_does():
    from sklearn.feature_extraction.text import TfidfVectorizer

    weights = train(SMALL * 2)
    reader = RequestReader(weights)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4))
    vectorizer.fit(["Hello  World 你好"])
    assert sorted(char_ngrams("Hello  World 你好", 1, 4)) == sorted(vectorizer.build_analyzer()("Hello  World 你好"))
    for text, kinds in SMALL:
        probabilities = reader.probabilities(text)
        assert set(probabilities) == set(KINDS)
        assert {k for k, p in probabilities.items() if p >= 0.5} == kinds, text
        assert all(0 < p < 1 and not math.isnan(p) for p in probabilities.values())


def test_the_embedding_head_reads_as_scikit_learn_does_with_the_real_embedder():
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from knowledge.embedder import Embedder

    embedder = Embedder()
    weights = train(SMALL * 2, embedder=embedder)
    reader = RequestReader(weights, embedder)
    assert weights["embedding"]["model"] == "all-MiniLM-L6-v2"
    vectors = np.array(embedder([text for text, _ in SMALL * 2]))
    for kind in KINDS:
        model = LogisticRegression(C=16.0, max_iter=2000, class_weight="balanced").fit(
            vectors, [kind in kinds for _, kinds in SMALL * 2])
        expected = model.predict_proba(np.array(embedder(["cancel it please"])))[0, 1]
        assert abs(reader.embedding_probabilities("cancel it please")[kind] - expected) < 1e-3, kind
    assert RequestReader(weights).embedding_probabilities("cancel it please") == {}


def test_the_committed_reader_reads_meaning_no_training_request_words():
    reader = default_reader()
    assert reader.embedding is not None
    sources = [NAMED["gen-tau2"], NAMED["gen-demo"], NAMED["demo"], NAMED["tau2"]]
    training = " ".join(text.lower() for text, _ in task_examples(sources, "train") + no_change_examples())
    assert "dropped" not in training
    dropped = "so I want that order dropped"
    assert not keyword_writes([dropped]) and not reader.writes([dropped])
    assert requested_writes([dropped]) == {"cancel_pending_order"}
    for question in ["When is my parcel coming?", "Where did my package go?", "我的快递怎么还没到",
                     "What will my refund be?"]:
        assert not requested_writes([question]), question
    # Meaning is asked only where the tables and n-grams read nothing: an unnamed change is not read as a cancel,
    # and an answer to the agent's question is not read as a request of its own.
    assert "cancel" in reader.meaning_in("I need to change something on order #W1234567")
    assert "cancel_pending_order" not in requested_writes(["I need to change something on order #W1234567"])
    assert "items" in reader.meaning_in("the blue one")
    assert requested_writes(["I want to return the lamp", "the blue one"]) == {"return_delivered_order_items"}


def test_the_committed_reader_only_adds_to_what_the_keyword_tables_read():
    reader = default_reader()
    assert reader is not None and reader.threshold == 0.5
    for text in ["I no longer want this order, please stop it", "请帮我把这单撤了", "where is my parcel?",
                 "I want to cancel order #W1234567", "我想退货"]:
        assert keyword_writes([text]) <= requested_writes([text])
        assert requested_writes([text]) == keyword_writes([text]) | reader.writes([text])
    missed = "I no longer want this order, please stop it"
    assert not keyword_writes([missed]) and requested_writes([missed]) == {"cancel_pending_order"}
    assert not requested_writes(["where is my parcel?"])


def test_the_committed_reader_reads_the_generated_dev_split():
    dev = task_examples([NAMED["gen-tau2"], NAMED["gen-demo"]], "dev")
    figures = score(default_reader().kinds_in, dev)
    assert figures["recall"] >= 0.95 and figures["precision"] >= 0.8, figures


def test_the_last_clause_is_read_for_meaning_when_the_whole_message_reads_as_none():
    story = ("I ordered a cycling helmet twice by accident. The blue one that has not shipped yet is the mistake, "
             "so I want that order dropped.")
    assert not keyword_writes([story]) and not default_reader().meaning_in(story)
    assert requested_writes([story]) == {"cancel_pending_order"}
    assert not requested_writes(["I ordered a helmet last week. Where is it now?"])
    answer = "I don't remember my email. My name is Jonathan Underwood and my zip code is 31481."
    assert not requested_writes(["I want the tracking number of order #W1234567.", answer])


def test_how_an_order_was_paid_or_where_it_stands_describes_it_and_asks_for_no_change():
    cancel = ("I won't need anything in the order I paid for with my gift card that is still waiting to ship. "
              "Cancel it please.")
    assert requested_writes([cancel]) == {"cancel_pending_order"}
    assert requested_writes(["用礼品卡付的那单还没发货，帮我取消"]) == {"cancel_pending_order"}
    swap = "The luggage set came in red. I'd like it in black; if there's money left over, put it on my gift card."
    assert "modify_pending_order_payment" not in requested_writes([swap])
    switch = "I paid with my credit card but I want to pay with PayPal instead"
    assert requested_writes([switch]) == {"modify_pending_order_payment"}


def test_a_new_address_for_the_account_with_no_order_named_changes_only_the_account():
    account = "我换了住处，账号里的收货地址帮我更新成：美国 TX 州 Austin 市 88 Cedar Street，Unit 2，邮编 78701。"
    assert requested_writes([account]) == {"modify_user_address"}
    profile = "I moved; please update my profile to 77 Orchard Row, Apt 12B, Albany, NY 12207, USA."
    assert "modify_pending_order_address" not in requested_writes([profile])
    both = {"modify_user_address", "modify_pending_order_address"}
    assert requested_writes(["Send my latest order to the default address on my account"]) >= both
    assert requested_writes(["Ship order #W1234567 to 77 Orchard Row, Albany, NY 12207 (my account has it)"]) >= both
