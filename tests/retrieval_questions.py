"""Paraphrased customer questions for the bundled shop knowledge bases (assets/scenarios/shop_kb_*.md), each with
the FAQ question (passage title) that answers it. Written to use other words than the FAQ where people would.
Used by tests/test_scenarios.py and bench/retrieval.py."""

# The questions the retrieval tests have always used.
TEST_EN = [
    ("How many days does standard delivery take?", "How long does delivery take?"),
    ("I would like to return a rug I bought, is that possible?", "What is your return policy?"),
    ("Is it possible to cancel an order I placed?", "Can I change or cancel my order?"),
    ("What payment options are there?", "Which payment methods do you accept?"),
    ("Can I get a gift card for my sister?", "Do you sell gift cards?"),
    ("Can I send something back if I don't like it?", "What is your return policy?"),
    ("my lamp came smashed", "My item arrived broken. What should I do?"),
    ("do you deliver to Germany", "Do you ship abroad?"),
]
TEST_ZH = [
    ("买的东西想退货，该怎么操作？", "怎么退货？"),
    ("退款要几天才能到账？", "退款多久到账？"),
    ("可以用支付宝付款吗？", "支持哪些付款方式？"),
    ("在哪里查物流信息？", "怎么查看物流信息？"),
    ("下单后能开发票吗？", "会开发票吗？"),
]

MORE_EN = [
    ("When will my parcel arrive if I order today?", "How long does delivery take?"),
    ("Is delivery free?", "How much does shipping cost?"),
    ("What's the postage for a small order?", "How much does shipping cost?"),
    ("Can you send my order to France?", "Do you ship abroad?"),
    ("I changed my mind about a vase, can I give it back?", "What is your return policy?"),
    ("The money for the chair I sent back hasn't come yet", "When will I get my refund?"),
    ("The mirror I received is cracked", "My item arrived broken. What should I do?"),
    ("Where is my package right now?", "How can I track my order?"),
    ("I made a mistake in my delivery address, can I fix it?", "Can I change or cancel my order?"),
    ("Can I pay cash when the courier comes?", "Which payment methods do you accept?"),
    ("Do you take PayPal?", "Which payment methods do you accept?"),
    ("I want to buy a voucher as a present", "Do you sell gift cards?"),
    ("My lamp stopped working after a year, is that covered?", "Is there a warranty on furniture and lamps?"),
    ("What is your phone number?", "How do I contact customer service?"),
    ("How should I wash the linen sheets?", "How do I care for the linen bedding?"),
    ("Do I collect points when I shop?", "Do you have a loyalty programme?"),
    ("Another store sells this table cheaper, will you lower your price?", "Do you match prices from other shops?"),
    ("Do you sell my email address to advertisers?", "How do you use my personal data?"),
    ("When is your next sale?", "Do you match prices from other shops?"),
    ("Can I have my account deleted?", "How do you use my personal data?"),
]
MORE_ZH = [
    ("今天下单，几天能送到？", "下单后多久能收到货？"),
    ("买多少钱可以免运费？", "运费是多少？"),
    ("能发货到新加坡吗？", "可以寄到海外吗？"),
    ("杯子买回来不喜欢，可以退吗？", "怎么退货？"),
    ("退回去的钱什么时候能收到？", "退款多久到账？"),
    ("快递送来的花瓶碎了", "收到的商品坏了怎么办？"),
    ("我的包裹现在到哪儿了？", "怎么查看物流信息？"),
    ("地址填错了还能改吗？", "下单后还能修改或取消订单吗？"),
    ("能用微信付钱吗？", "支持哪些付款方式？"),
    ("可以货到付款吗？", "支持哪些付款方式？"),
    ("想送朋友一张购物卡", "有礼品卡吗？"),
    ("台灯用了半年坏了，能免费修吗？", "家具和灯具有保修吗？"),
    ("客服电话是多少？", "怎么联系客服？"),
    ("盘子能用微波炉加热吗？", "陶瓷餐具可以放进微波炉和洗碗机吗？"),
    ("买东西能攒积分吗？", "有会员积分吗？"),
    ("公司报销需要发票", "会开发票吗？"),
    ("晚上八点还有人工客服吗？", "怎么联系客服？"),
    ("加急配送要多少钱？", "运费是多少？"),
    ("订单付完款又不想要了怎么办？", "下单后还能修改或取消订单吗？"),
    ("积分会过期吗？", "有会员积分吗？"),
]

EN = TEST_EN + MORE_EN
ZH = TEST_ZH + MORE_ZH
