-- The sample database of `npm start`: a small shop whose tables hold the kinds of
-- personal data the default policy library masks (emails, phone numbers, card numbers).
-- Every value here is made up.
CREATE TABLE customers (
  id          integer PRIMARY KEY,
  name        text NOT NULL,
  email       text NOT NULL,
  phone       text,
  card_number text,
  country     text NOT NULL,
  notes       text
);

CREATE TABLE orders (
  id          integer PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers(id),
  total       numeric(10, 2) NOT NULL,
  status      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
  id      serial PRIMARY KEY,
  actor   text NOT NULL,
  action  text NOT NULL,
  at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO customers (id, name, email, phone, card_number, country, notes) VALUES
  (1, 'Ada Lovelace',     'ada@example.com',     '+44 20 7946 0958', '4111 1111 1111 1111', 'GB', 'prefers email; backup contact ada.l@example.org'),
  (2, 'Grace Hopper',     'grace@example.com',   '+1 202 555 0143',  '5555 5555 5555 4444', 'US', 'VIP'),
  (3, 'Alan Turing',      'alan@example.com',    '+44 161 496 0000', '3782 822463 10005',   'GB', NULL),
  (4, 'Katherine Johnson','katherine@example.com','+1 757 555 0199', '6011 1111 1111 1117', 'US', 'call +1 757 555 0100 after 5pm'),
  (5, 'Edsger Dijkstra',  'edsger@example.com',  '+31 20 555 0123', '4000 0566 5566 5556', 'NL', NULL);

INSERT INTO orders (id, customer_id, total, status) VALUES
  (100, 1, 42.00, 'shipped'),
  (101, 2, 17.50, 'pending'),
  (102, 2, 99.99, 'shipped'),
  (103, 4, 250.00, 'refunded'),
  (104, 5, 12.34, 'pending');
