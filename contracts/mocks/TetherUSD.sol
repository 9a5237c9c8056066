// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Tether's own shapes (require strings, unindexed amounts, lower-case immutable) are the point of this mock.
// solhint-disable gas-custom-errors, gas-indexed-events, gas-strict-inequalities, immutable-vars-naming

/// @title TetherUSD
/// @notice Test double of Ethereum's TetherToken (USDT) that keeps the behaviour integrations trip over:
/// 6 decimals, `transfer`/`transferFrom`/`approve` return nothing, `approve` from a non-zero allowance to another
/// non-zero value reverts, a blacklist, a pause switch and the `basisPointsRate`/`maximumFee` transfer fee paid to
/// the owner. An allowance of `type(uint256).max` is never decreased, as in Tether's code.
/// @dev For local chains and tests only. Unlike the 2017 mainnet contract, a blacklisted recipient is refused too
/// (as later Tether deployments do), so tests can show a frozen merchant cannot be paid. Reverts carry short reasons
/// where Tether's carry none, so tests can tell them apart.
contract TetherUSD {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    address public owner;
    bool public paused;
    uint256 public basisPointsRate;
    uint256 public maximumFee;

    mapping(address holder => uint256 balance) private _balances;
    mapping(address holder => mapping(address spender => uint256 allowance)) private _allowed;
    mapping(address account => bool listed) public isBlackListed;

    uint256 private constant MAX_UINT = type(uint256).max;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Issue(uint256 amount);
    event Redeem(uint256 amount);
    event Params(uint256 feeBasisPoints, uint256 maxFee);
    event AddedBlackList(address user);
    event RemovedBlackList(address user);
    event Pause();
    event Unpause();

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    modifier whenNotPaused() {
        require(!paused, "paused");
        _;
    }

    constructor(uint256 initialSupply, string memory tokenName, string memory tokenSymbol, uint8 tokenDecimals) {
        owner = msg.sender;
        name = tokenName;
        symbol = tokenSymbol;
        decimals = tokenDecimals;
        totalSupply = initialSupply;
        _balances[msg.sender] = initialSupply;
    }

    function balanceOf(address who) external view returns (uint256) {
        return _balances[who];
    }

    function allowance(address holder, address spender) external view returns (uint256) {
        return _allowed[holder][spender];
    }

    function transfer(address to, uint256 value) external whenNotPaused {
        require(!isBlackListed[msg.sender] && !isBlackListed[to], "blacklisted");
        _move(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) external whenNotPaused {
        require(!isBlackListed[from] && !isBlackListed[to], "blacklisted");
        uint256 current = _allowed[from][msg.sender];
        require(current >= value, "allowance");
        if (current < MAX_UINT) _allowed[from][msg.sender] = current - value;
        _move(from, to, value);
    }

    function approve(address spender, uint256 value) external whenNotPaused {
        // Tether's rule against the approve race: go through zero first.
        require(value == 0 || _allowed[msg.sender][spender] == 0, "approve from non-zero");
        _allowed[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function issue(uint256 amount) external onlyOwner {
        _balances[owner] += amount;
        totalSupply += amount;
        emit Issue(amount);
    }

    function redeem(uint256 amount) external onlyOwner {
        require(_balances[owner] >= amount, "balance");
        _balances[owner] -= amount;
        totalSupply -= amount;
        emit Redeem(amount);
    }

    function setParams(uint256 newBasisPoints, uint256 newMaxFee) external onlyOwner {
        // Tether's own ceilings: under 0.2% and under 50 whole tokens.
        require(newBasisPoints < 20 && newMaxFee < 50, "fee too high");
        basisPointsRate = newBasisPoints;
        maximumFee = newMaxFee * 10 ** decimals;
        emit Params(basisPointsRate, maximumFee);
    }

    function addBlackList(address user) external onlyOwner {
        isBlackListed[user] = true;
        emit AddedBlackList(user);
    }

    function removeBlackList(address user) external onlyOwner {
        isBlackListed[user] = false;
        emit RemovedBlackList(user);
    }

    function pause() external onlyOwner {
        paused = true;
        emit Pause();
    }

    function unpause() external onlyOwner {
        paused = false;
        emit Unpause();
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner != address(0)) owner = newOwner;
    }

    function _move(address from, address to, uint256 value) private {
        uint256 fee = (value * basisPointsRate) / 10_000;
        if (fee > maximumFee) fee = maximumFee;
        uint256 sendAmount = value - fee;
        require(_balances[from] >= value, "balance");
        _balances[from] -= value;
        _balances[to] += sendAmount;
        if (fee > 0) {
            _balances[owner] += fee;
            emit Transfer(from, owner, fee);
        }
        emit Transfer(from, to, sendAmount);
    }
}
