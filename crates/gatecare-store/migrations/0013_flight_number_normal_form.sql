-- Flight numbers in one normal form: no leading zeros (AC008 is AC8), as the
-- boarding-pass reader and the screens write them. Stores filled from station
-- data that spelled them with zeros could not match a scanned pass. A number
-- that would collide with another flight at the same time is left as it is.
UPDATE OR IGNORE flights SET number = ltrim(number, '0')
WHERE number LIKE '0%' AND ltrim(number, '0') <> '' AND substr(ltrim(number, '0'), 1, 1) BETWEEN '1' AND '9';
