"""Orders: the retailer's order system behind the OrderService port (AMBIENT_SHOP_ORDERS)."""
