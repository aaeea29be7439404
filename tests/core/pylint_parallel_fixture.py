"""A small multi-package tree whose pylint messages need the whole program, for the parallel-parity test.

Each file exists to exercise one way a per-process (``--jobs``) run could differ from a single
process: duplicate code across files and packages (R0801), import cycles spanning packages (R0401),
inference through imported classes (E1101 no-member, E1120, E1123), a duplicate block inside one
file (a worker's per-file close could report it twice), and two modules with the same base name.
"""

from __future__ import annotations

_DUPLICATED_BLOCK = '''
    total = 0
    for item in items:
        if item.price > 100:
            total += item.price * 0.9
        elif item.price > 50:
            total += item.price * 0.95
        else:
            total += item.price
    rounded = round(total, 2)
    return rounded
'''

PARALLEL_TREE = {
    "shop/__init__.py": "",
    "shop/models.py": '''
        class Cart:
            def __init__(self):
                self.items = []

            def add(self, item, quantity=1):
                self.items.extend([item] * quantity)
        ''',
    "shop/orders.py": '''
        from billing import invoice
        from shop.models import Cart


        def checkout(items):
            cart = Cart()
            cart.add(items, quantity=2, colour="red")
            cart.remove(items)
            return invoice.bill(cart)
        ''',
    "shop/pricing.py": "def discounted(items):" + _DUPLICATED_BLOCK,
    "shop/util.py": "def helper():\n    return 1\n",
    "billing/__init__.py": "",
    "billing/invoice.py": '''
        from shop import orders
        from shop.models import Cart


        def bill(cart: Cart):
            cart.total()
            return orders.checkout
        ''',
    "billing/totals.py": "def invoice_total(items):" + _DUPLICATED_BLOCK,
    "billing/util.py": "def helper():\n    return 2\n",
    "ledger/__init__.py": "from ledger import summary\n",
    "ledger/summary.py": '''
        import ledger
        from billing.invoice import bill
        from shop.models import Cart


        def summarise(items):
            return bill(Cart().add())


        def twice_a(items):''' + _DUPLICATED_BLOCK.replace("\n    ", "\n            ") + '''

        def twice_b(items):''' + _DUPLICATED_BLOCK.replace("\n    ", "\n            ") + '''
        ''',
}
